/**
 * Imports point one way (docs/architecture.md): no module of src/ or machines/ reaches itself
 * again through its imports (type imports included), machines import only xstate, and the
 * monitoring side (src/observability, src/http) does not depend on the Redis engine.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of a file, as repository paths of .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
    out.push(relative(ROOT, resolve(ROOT, dirname(file), m[1].replace(/\.js$/, '.ts'))));
  }
  return out;
}

const files = [...sources('src'), ...sources('machines')];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('import direction', () => {
  it('has no import cycle in src/ and machines/', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const dep of graph.get(f) ?? []) visit(dep, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).to.deep.equal([]);
  });

  it('keeps machines free of anything but xstate', () => {
    for (const f of sources('machines')) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const modules = [...text.matchAll(/^import[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]);
      expect(modules.filter((m) => m !== 'xstate'), f).to.deep.equal([]);
    }
  });

  it('keeps the monitoring side free of the Redis engine', () => {
    for (const f of files.filter((x) => x.startsWith('src/observability/') || x.startsWith('src/http/'))) {
      expect((graph.get(f) ?? []).filter((d) => d.startsWith('src/cluster/')), f).to.deep.equal([]);
    }
  });
});
