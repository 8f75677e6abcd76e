/**
 * Waiting for server-side state that no message announces (e.g. a connection count after an
 * abrupt disconnect): poll the condition with a deadline, never sleep a fixed time and hope.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
