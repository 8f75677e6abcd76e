/** What the browser E2E tests share: where the example and Chromium are, and how Chromium is started. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** dist/test/e2e/ → the repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const EXAMPLE = join(REPO, 'examples', 'browser');
export const ARTIFACTS = join(REPO, 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // Fake camera and microphone, granted without a prompt.
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  // Without it Chromium gathers no candidate at all on loopback.
  '--allow-loopback-in-peer-connection',
];
