/**
 * Per-connection token bucket, refilled lazily from the elapsed time on each message: no timer
 * per socket and no sweep over all sockets.
 */
import type { SocketData } from './socket-data.js';

/** Window over which dropped messages are counted to detect abuse. */
export const ABUSE_WINDOW_MS = 10_000;

export function takeToken(d: SocketData, now: number, perSecond: number, burst: number): boolean {
  const elapsed = now - d.lastRefillMs;
  if (elapsed > 0) {
    const refilled = d.tokens + (elapsed * perSecond) / 1000;
    d.tokens = refilled > burst ? burst : refilled;
    d.lastRefillMs = now;
  }
  if (d.tokens >= 1) {
    d.tokens -= 1;
    return true;
  }
  return false;
}

/** Counts a dropped message; true when the connection has dropped more than a burst's worth
 * within the window, i.e. it is abusing rather than bursting. */
export function isAbusive(d: SocketData, now: number, burst: number): boolean {
  if (now - d.windowStartMs > ABUSE_WINDOW_MS) {
    d.windowStartMs = now;
    d.droppedInWindow = 0;
  }
  d.droppedInWindow++;
  return d.droppedInWindow > burst;
}
