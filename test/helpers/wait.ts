/**
 * Waiting for state that no message announces (a connection count after an abrupt disconnect,
 * Redis state, a process's exit): poll the condition with a deadline, never sleep a fixed time
 * and hope. The condition may be synchronous or return a promise.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
