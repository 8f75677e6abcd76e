/** The steps of a call the call tests drive (one node and across nodes): a caller-uid calls a callee-uid. */
import { expect } from 'chai';
import type { Msg, TestClient } from './client.js';
import type { ServerHandle } from './server.js';
import { isIsoDate } from './ids.js';

export const ids = (sid: string) => ({ sid, initiator: 'caller-uid', responder: 'callee-uid' });

/** Caller proposes, gets trying; callee gets the propose. */
export async function propose(a: TestClient, b: TestClient, room: string, sid: string): Promise<void> {
  a.relay(room, 'session-propose', { ...ids(sid), description: { media: 'audio' } });
  await a.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid } });
  await b.expectMessage({ jsongle: { action: 'session-propose', sid } });
}

/** Sends `action` from `from` and waits until `to` got it. */
export async function step(from: TestClient, to: TestClient, room: string, sid: string, action: string, reason?: string): Promise<void> {
  from.relay(room, action, { ...ids(sid), ...(reason === undefined ? {} : { reason }), description: {} });
  await to.expectMessage({ jsongle: reason === undefined ? { action, sid } : { action, sid, reason } });
}

/** A server-made ending: from the server, to that party, the call's ids, an `ended` date. */
export function expectEnding(m: Msg, to: TestClient, sid: string): void {
  expect(m.from).to.equal('jsongle-server');
  expect(m.to).to.equal(to.connectionId);
  expect(m.jsongle).to.include(ids(sid));
  expect(isIsoDate(m.jsongle.description.ended)).to.equal(true);
}

/** What a server counts of its calls: the figures each call test compares before and after. */
export interface CallFigures {
  p2pCount: number;
  p2pTotal: number;
  ended: Record<string, number>;
  setups: number;
  durations: number;
  calls: number;
}

export function callFigures(server: ServerHandle): CallFigures {
  const s = server.stats;
  return {
    p2pCount: s.callsInProgress, p2pTotal: s.callsAccepted, ended: { ...s.callsEnded },
    setups: s.callSetupSeconds.count, durations: s.callDurationSeconds.count, calls: server.inspectState().calls,
  };
}
