/**
 * `npm run docs:images`: renders each machine's Mermaid diagram to docs/images/<machine>.png with
 * Debian's Chromium and a local copy of mermaid (the stately.ai UI and mermaid's CDN cannot be
 * reached from an offline machine). mermaid is not a dependency of the project: install it
 * anywhere outside the repository and point MERMAID_JS at its dist/mermaid.min.js, e.g.
 *   mkdir -p /tmp/mermaid && (cd /tmp/mermaid && npm init -y && npm install mermaid)
 *   MERMAID_JS=/tmp/mermaid/node_modules/mermaid/dist/mermaid.min.js npm run docs:images
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describeMachine } from './lib/machine-model.js';
import { MACHINES } from './lib/machines-doc.js';
import { toMermaid } from './lib/mermaid.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MERMAID_JS = process.env.MERMAID_JS ?? '/tmp/mermaid/node_modules/mermaid/dist/mermaid.min.js';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

async function main(): Promise<void> {
  for (const [what, path] of [['mermaid', MERMAID_JS], ['chromium', CHROMIUM]]) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${path} (see the comment at the top of scripts/render-diagrams.ts)`);
  }
  const outDir = join(REPO_ROOT, 'docs', 'images');
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // Twice the pixels: the PNGs are read in docs, often zoomed.
    const page = await browser.newPage({ deviceScaleFactor: 2, viewport: { width: 1400, height: 1000 } });
    await page.setContent('<!doctype html><html><body style="margin:0;background:#fff"><div id="out" style="display:inline-block;padding:16px"></div></body></html>');
    await page.addScriptTag({ path: MERMAID_JS });
    for (const m of MACHINES) {
      const text = toMermaid(describeMachine(m.machine));
      await page.evaluate(async (source) => {
        const g = globalThis as unknown as {
          mermaid: { initialize(o: object): void; render(id: string, s: string): Promise<{ svg: string }> };
          document: { getElementById(id: string): { innerHTML: string } };
        };
        g.mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict', state: { useMaxWidth: false } });
        const { svg } = await g.mermaid.render(`diagram${Date.now()}`, source);
        g.document.getElementById('out').innerHTML = svg;
      }, text);
      const file = join(outDir, m.image);
      await page.locator('#out').screenshot({ path: file });
      process.stdout.write(`wrote ${file}\n`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
