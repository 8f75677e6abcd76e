/**
 * docs/machines.md is generated from the machine definitions (`npm run docs:machines`): this fails
 * as soon as a machine changes and the committed diagrams were not regenerated, and checks that
 * the generator reads the transitions XState resolved (guards, delays, always, targets).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectionMachine } from '../../machines/connection.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { allStates, describeMachine } from '../../scripts/lib/machine-model.js';
import { machinesDoc } from '../../scripts/lib/machines-doc.js';
import { toMermaid } from '../../scripts/lib/mermaid.js';

/** dist/test/docs/ → the repository root. */
const DOC = fileURLToPath(new URL('../../../docs/machines.md', import.meta.url));

describe('docs/machines.md', function () {
  it('is exactly what `npm run docs:machines` generates from the current machines', () => {
    const committed = readFileSync(DOC, 'utf8');
    // A plain equality check would print two 10 KB strings: point at the first differing line instead.
    const want = machinesDoc().split('\n');
    const got = committed.split('\n');
    const i = want.findIndex((line, n) => line !== got[n]);
    const at = i === -1 && want.length !== got.length ? Math.min(want.length, got.length) : i;
    expect(at, `docs/machines.md is stale from line ${at + 1} (run \`npm run docs:machines\`):\n  committed: ${got[at]}\n  generated: ${want[at]}`).to.equal(-1);
  });
});

describe('the machine diagram generator', function () {
  it('draws the guarded hello transition and the hello timeout of the connection machine, and the drain deadline', () => {
    const mermaid = toMermaid(describeMachine(connectionMachine));
    expect(mermaid).to.match(/^stateDiagram-v2\n/);
    expect(mermaid).to.include('connected --> helloed : client.hello [isHelloValid] / assignProfile, acknowledgeHello');
    expect(mermaid).to.include('connected --> closing : hello.timeout / closeForHelloTimeout');
    expect(toMermaid(describeMachine(supervisorMachine))).to.include('draining --> stopped : after drainTimeout / closeRemainingConnections');
    expect(mermaid).to.include('helloed_unregistered_inRoom --> helloed_unregistered_outOfRoom : room.left [isLastRoom] / removeRoom');
    expect(mermaid).to.include('anyState --> closed : ws.closed');
  });

  it('shows the fallback of a guarded event as [else], and entry and exit actions without the timer plumbing', () => {
    const mermaid = toMermaid(describeMachine(connectionMachine));
    expect(mermaid).to.include('connected : client.hello [else] / rejectHello');
    expect(mermaid).to.include('connected : entry / sendHelloRequest, startHelloClock\n');
    expect(mermaid).to.include('connected : exit / stopHelloClock\n');
    expect(mermaid).to.not.include('xstate.');
  });

  it('draws the eventless and delayed ways out of draining in the supervisor machine', () => {
    const mermaid = toMermaid(describeMachine(supervisorMachine));
    expect(mermaid).to.include('draining --> stopped : always [hasNoConnections]');
    expect(mermaid).to.include('draining --> stopped : after drainTimeout / closeRemainingConnections');
    expect(mermaid).to.include('draining : entry / stopAccepting, drainConnections');
  });

  it('declares every state of both machines in its diagram', () => {
    for (const machine of [connectionMachine, supervisorMachine]) {
      const model = describeMachine(machine);
      const mermaid = toMermaid(model);
      for (const s of allStates(model.root)) expect(mermaid).to.include(`state "${s.key}" as ${s.path.join('_')}`);
    }
  });
});
