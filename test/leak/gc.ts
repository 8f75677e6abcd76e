/**
 * A real global.gc() even when mocha was started without --expose-gc: the flag can be turned on
 * at run time, and a fresh V8 context then exposes `gc`. Heap figures after it are what is left
 * reachable, which is what a leak test compares.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = () => void;

let cached: Gc | null = null;

export function getGc(): Gc {
  if (cached) return cached;
  const existing = (globalThis as { gc?: Gc }).gc;
  if (typeof existing === 'function') {
    cached = existing;
  } else {
    setFlagsFromString('--expose-gc');
    cached = runInNewContext('gc') as Gc;
  }
  return cached;
}

/** Heap in use after full collections (a few rounds, so weak references and finalizers settle). */
export async function settledHeapUsed(): Promise<number> {
  const gc = getGc();
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}
