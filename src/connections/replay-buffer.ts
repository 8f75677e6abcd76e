/**
 * The server frames of one session that the client has not confirmed yet, by number: what a
 * resume may have to replay. Frames are kept as the strings that were written (no copy), in an
 * array read from `head`; `trimTo` drops what a pong proved delivered, and an emptied buffer lets
 * its array go, so an idle session holds none.
 *
 * Bounded by a count and a byte total (resume.bufferMessages / resume.bufferBytes): `push` says
 * whether the frame fits; the owner decides (drop the oldest while connected, end while suspended).
 */
export class ReplayBuffer {
  private frames: string[] = [];
  private head = 0;
  /** Number of the frame at `head` (frames are numbered from 1); meaningful when not empty. */
  private firstNumber = 1;
  /** Sum of the kept frames' lengths (UTF-16 units: what `text.length` says, as bytesSent counts). */
  bytes = 0;

  constructor(private readonly maxFrames: number, private readonly maxBytes: number) {}

  get size(): number {
    return this.frames.length - this.head;
  }

  /** Number of the oldest kept frame (the next frame's number when empty). */
  get first(): number {
    return this.firstNumber;
  }

  /** Keeps frame number `n` (always the previous one + 1). False: it would go over a bound (not kept). */
  push(n: number, text: string): boolean {
    if (this.size + 1 > this.maxFrames || this.bytes + text.length > this.maxBytes) return false;
    if (this.size === 0) this.firstNumber = n;
    this.frames.push(text);
    this.bytes += text.length;
    return true;
  }

  /** Drops the oldest frame (connected and over a bound: the newest matters more). */
  dropOldest(): void {
    if (this.size === 0) return;
    this.bytes -= this.frames[this.head].length;
    this.frames[this.head] = '';
    this.head++;
    this.firstNumber++;
    this.compact();
  }

  /** Frames up to number `n` are delivered: forget them. */
  trimTo(n: number): void {
    while (this.size > 0 && this.firstNumber <= n) this.dropOldest();
    if (this.size === 0) this.firstNumber = n + 1;
  }

  /** Can every frame after `lastSeen` be replayed, `sent` frames having been written? (The kept
   * frames are always the last ones sent: numbers first … sent.) */
  covers(lastSeen: number, sent: number): boolean {
    if (!Number.isSafeInteger(lastSeen) || lastSeen < 0 || lastSeen > sent) return false;
    return lastSeen === sent || (this.size > 0 && this.firstNumber <= lastSeen + 1);
  }

  /** Calls `write` with each kept frame after `lastSeen`, in order; returns how many. */
  replayAfter(lastSeen: number, write: (text: string) => void): number {
    let count = 0;
    for (let i = this.head + Math.max(0, lastSeen + 1 - this.firstNumber); i < this.frames.length; i++) {
      write(this.frames[i]);
      count++;
    }
    return count;
  }

  private compact(): void {
    if (this.head === this.frames.length) {
      // Empty: let the array go (an idle session keeps none).
      this.frames = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }
}
