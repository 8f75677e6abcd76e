/**
 * Top frames by self time of a V8 .cpuprofile (what `node --cpu-prof` writes), and the same time
 * grouped by where the code lives (xstate, our src/, node internals, native/GC).
 *   node dist/bench/profile-top.js <file.cpuprofile> [count]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function place(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.includes('/node_modules/xstate/')) return 'xstate';
  if (url.includes('/node_modules/uWebSockets.js/')) return 'uWebSockets.js (JS side)';
  if (url.includes('/node_modules/')) return url.replace(/.*\/node_modules\/((?:@[^/]+\/)?[^/]+).*/, '$1');
  if (url.startsWith('node:')) return 'node internals';
  const m = /\/dist\/(src|machines|bench)\/(.*)$/.exec(url);
  return m ? `${m[1]}/${m[2].split('/')[0]}` : url;
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
}

function main(): void {
  const [file, countArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile-top.js <file.cpuprofile> [count]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const frames = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const key = `${functionName || '(anonymous)'}  ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    const where = place(url, functionName);
    places.set(where, (places.get(where) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(idle / 1e6).toFixed(1)} s idle; shares are of the busy time\n`);
  console.log('top frames by self time:');
  for (const [key, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 25))) console.log(`  ${pct(us)}  ${key}`);
  console.log('\nself time by place:');
  for (const [key, us] of [...places].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${key}`);
}

main();
