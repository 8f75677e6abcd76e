/**
 * Every process the bench starts is registered here and killed when the bench ends, however it
 * ends (normal exit, error, Ctrl-C): a benchmark must never leave a server or a generator behind.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const live = new Set<ChildProcess>();

export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

export function installExitHooks(): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when the child has exited, or with false after `ms`. */
export function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** `signal`, then SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (exited(child)) return;
  child.kill(signal);
  if (await waitExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitExit(child, 2000);
}

const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p)) ?? null;

/** Absolute path of taskset, or null when the box has none (then nothing is pinned). */
export function tasksetPath(): string | null {
  return TASKSET;
}

export function hasTaskset(): boolean {
  return TASKSET !== null;
}

/** [command, args] that run `command args` pinned to `core` when taskset exists. */
export function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return TASKSET === null ? [command, args] : [TASKSET, ['-c', String(core), command, ...args]];
}
