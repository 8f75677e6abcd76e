/** GET /tests: runs the loopback self-check; 200 when every step passed, 503 naming the failing one. */
import type { MonitoringContext } from '../context.js';
import { json, type Route } from '../route.js';
import { runSelfTest, type SelfTestResult } from '../self-test.js';

/** Bound on the whole run: a healthy server answers in milliseconds. */
export const SELF_TEST_TIMEOUT_MS = 3000;

// Concurrent requests share one run per server, so hammering /tests cannot open unbounded sockets.
const running = new WeakMap<MonitoringContext, Promise<SelfTestResult>>();

export const selfTestRoute: Route = {
  method: 'GET',
  path: '/tests',
  async handler(_req, { ctx }) {
    let run = running.get(ctx);
    if (!run) {
      run = runSelfTest(ctx, SELF_TEST_TIMEOUT_MS).finally(() => running.delete(ctx));
      running.set(ctx, run);
    }
    const result = await run;
    const failed = result.checks.find((c) => !c.ok);
    return json(failed ? 503 : 200, failed ? { ...result, failed: failed.name } : result);
  },
};
