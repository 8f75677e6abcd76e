/** The bench's one report: a Markdown table (pasteable into docs/performance.md) and the ratio line. */
import type { ServerKind } from './servers.js';

export interface Row {
  scenario: string;
  server: ServerKind;
  /** The scenario's figure of merit, in `unit`. */
  headline: number;
  unit: 'msg/s' | 'deliveries/s' | 'conn/s' | 'calls/s' | 'B/conn' | 'µs p99';
  sentPerS?: number;
  deliveredPerS?: number;
  p50Us?: number;
  p99Us?: number;
  p999Us?: number;
  cpuPct?: number;
  rssBytes?: number;
  notes: string[];
}

const RATE_UNITS = new Set<Row['unit']>(['msg/s', 'deliveries/s', 'conn/s', 'calls/s']);

/** The headline rate divided by the server's CPU share: what one fully used core would do. On a busy,
 * shared box where neither process gets its core, this is steadier than the rate itself. */
export function perCore(row: Row): number {
  if (!RATE_UNITS.has(row.unit) || row.cpuPct === undefined || !(row.cpuPct > 0)) return NaN;
  return row.headline / (row.cpuPct / 100);
}

const SERVER_NAME: Record<ServerKind, string> = { baseline: 'bare uWS', jsongle: 'jsongle' };

export function fmtRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return n.toFixed(0);
}

export function fmtLatency(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '–';
  return us < 1000 ? `${Math.round(us)} µs` : `${(us / 1000).toFixed(2)} ms`;
}

function fmtHeadline(row: Row): string {
  if (!Number.isFinite(row.headline)) return 'failed';
  switch (row.unit) {
    case 'B/conn': return `${(row.headline / 1024).toFixed(2)} KiB/conn`;
    case 'µs p99': return `p99 ${fmtLatency(row.headline)}`;
    default: return `${fmtRate(row.headline)} ${row.unit}`;
  }
}

/** server / baseline for the same scenario (for memory and latency, lower is better). */
export function ratio(rows: Row[], row: Row): number {
  if (row.server === 'baseline') return NaN;
  const base = rows.find((r) => r.scenario === row.scenario && r.server === 'baseline');
  return base && base.headline > 0 ? row.headline / base.headline : NaN;
}

export function table(rows: Row[]): string {
  const head = ['scenario', 'server', 'headline', 'sent/s', 'delivered/s', 'p50', 'p99', 'p999', 'server CPU', 'per server core', 'server RSS', 'ratio', 'notes'];
  const lines = rows.map((r) => {
    const q = ratio(rows, r);
    return [
      r.scenario,
      SERVER_NAME[r.server],
      fmtHeadline(r),
      fmtRate(r.sentPerS),
      fmtRate(r.deliveredPerS),
      fmtLatency(r.p50Us),
      fmtLatency(r.p99Us),
      fmtLatency(r.p999Us),
      r.cpuPct === undefined || !Number.isFinite(r.cpuPct) ? '–' : `${r.cpuPct.toFixed(0)} %`,
      Number.isFinite(perCore(r)) ? fmtRate(perCore(r)) : '–',
      r.rssBytes === undefined || !Number.isFinite(r.rssBytes) ? '–' : `${(r.rssBytes / 1048576).toFixed(0)} MB`,
      Number.isFinite(q) ? `${q.toFixed(2)}×` : '',
      r.notes.join('; ').replaceAll('|', '/'),
    ];
  });
  const render = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [render(head), render(head.map(() => '---')), ...lines.map(render)].join('\n');
}

/** The last line of `npm run bench`: `relay ratio R (S msg/s vs B msg/s bare uWS)`. */
export function ratioLine(server: number, baseline: number): string {
  const s = Number.isFinite(server) ? server : 0;
  const b = Number.isFinite(baseline) ? baseline : 0;
  const r = b > 0 ? s / b : 0;
  return `relay ratio ${r.toFixed(2)} (${Math.round(s)} msg/s vs ${Math.round(b)} msg/s bare uWS)`;
}
