/** Server CPU and memory straight from /proc (Linux), so the figures need no cooperation from the server. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

const CLK_TCK = clockTicks();

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // fields 14 and 15 of proc(5)
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

export function totalRss(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
}

/** CPU use of a set of processes over a window, in % of one core (200 % = both cores of this box). */
export class CpuMeter {
  private cpu0 = 0;
  private t0 = 0;

  constructor(private readonly pids: number[]) {}

  private cpu(): number {
    return this.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  start(): void {
    this.cpu0 = this.cpu();
    this.t0 = performance.now();
  }

  stop(): number {
    const seconds = (performance.now() - this.t0) / 1000;
    return seconds > 0 ? ((this.cpu() - this.cpu0) / seconds) * 100 : NaN;
  }
}
