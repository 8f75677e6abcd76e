/**
 * The runner's side of the generator: forks the worker processes (pinned to the generator core),
 * sends them commands and waits for their answers, each wait with a deadline.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild, tasksetPath, track, waitExit } from '../lib/children.js';
import type { ParentMessage, WorkerMessage } from './protocol.js';

const WORKER = resolve(dirname(fileURLToPath(import.meta.url)), 'worker.js');

type Evt = WorkerMessage['evt'];
type MessageOf<E extends Evt> = Extract<WorkerMessage, { evt: E }>;

class Mailbox {
  private queue: WorkerMessage[] = [];
  private waiter: ((m: WorkerMessage | Error) => void) | null = null;
  private gone: Error | null = null;

  constructor(readonly child: ChildProcess, id: number) {
    child.on('message', (m: WorkerMessage) => this.push(m));
    child.once('exit', (code, signal) => this.lost(new Error(`generator worker ${id} exited (${code ?? signal})`)));
    // A send to a worker that already died is reported here (no listener would make it an uncaught error).
    child.on('error', (err) => this.lost(new Error(`generator worker ${id}: ${err.message}`)));
  }

  private lost(err: Error): void {
    if (this.gone) return;
    this.gone = err;
    this.waiter?.(err);
  }

  send(message: ParentMessage): void {
    if (this.gone || !this.child.connected) return; // the pending next() reports why
    this.child.send(message, (err) => {
      if (err) this.lost(err);
    });
  }

  private push(m: WorkerMessage): void {
    if (this.waiter) this.waiter(m);
    else this.queue.push(m);
  }

  next<E extends Evt>(evt: E, timeoutMs: number): Promise<MessageOf<E>> {
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        fail(new Error(`no '${evt}' from a generator worker within ${timeoutMs} ms`));
      }, timeoutMs);
      const take = (m: WorkerMessage | Error) => {
        clearTimeout(timer);
        this.waiter = null;
        if (m instanceof Error) fail(m);
        else if (m.evt === 'fatal') fail(new Error(`generator worker failed: ${m.error}`));
        else if (m.evt !== evt) fail(new Error(`expected '${evt}' from a generator worker, got '${m.evt}'`));
        else ok(m as MessageOf<E>);
      };
      const queued = this.queue.shift();
      if (queued) take(queued);
      else if (this.gone) take(this.gone);
      else this.waiter = take;
    });
  }
}

export class WorkerPool {
  private constructor(private readonly boxes: Mailbox[]) {}

  /** Forks `count` workers, pinned to `core` with taskset when it exists. */
  static fork(count: number, core: number): WorkerPool {
    const taskset = tasksetPath();
    const boxes = Array.from({ length: count }, (_, id) => {
      // fork runs `execPath ...execArgv worker.js`: with taskset in front, node starts pinned and
      // keeps the IPC channel (taskset execs it, fds and environment intact).
      const child = track(fork(WORKER, [], {
        execPath: taskset ?? process.execPath,
        execArgv: taskset ? ['-c', String(core), process.execPath] : [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }));
      return new Mailbox(child, id);
    });
    return new WorkerPool(boxes);
  }

  get pids(): number[] {
    return this.boxes.map((box) => box.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Sends each worker its command (a function of its index) and collects one `evt` answer from each. */
  async ask<E extends Evt>(command: (worker: number) => ParentMessage, evt: E, timeoutMs: number): Promise<MessageOf<E>[]> {
    const answers = this.boxes.map((box) => box.next(evt, timeoutMs));
    this.boxes.forEach((box, w) => box.send(command(w)));
    return Promise.all(answers);
  }

  async stop(): Promise<void> {
    await Promise.all(this.boxes.map(async (box) => {
      if (box.child.connected) {
        box.send({ cmd: 'exit' });
        if (await waitExit(box.child, 3000)) return;
      }
      await stopChild(box.child, 'SIGKILL', 0);
    }));
  }
}
