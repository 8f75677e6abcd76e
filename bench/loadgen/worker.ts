/**
 * A forked generator process: takes one job from the runner, opens its connections, runs the
 * scenario when told, reports, and exits when told, when the runner goes away, or at the job's
 * hard deadline — whichever comes first.
 */
import { CallsScenario } from './calls.js';
import { DirectCallsScenario } from './direct-calls.js';
import { HoldScenario } from './hold.js';
import { OpenLoopScenario } from './open-loop.js';
import type { ParentMessage, WorkerJob, WorkerMessage } from './protocol.js';
import { RelayScenario } from './relay.js';
import type { ScenarioBase } from './scenario-base.js';
import { StormScenario } from './storm.js';

function createScenario(job: WorkerJob): ScenarioBase {
  switch (job.kind) {
    case 'relay': return new RelayScenario(job);
    case 'openloop': return new OpenLoopScenario(job);
    case 'storm': return new StormScenario(job);
    case 'hold': return new HoldScenario(job);
    case 'calls': return new CallsScenario(job);
    case 'directCalls': return new DirectCallsScenario(job);
  }
}

let scenario: ScenarioBase | null = null;

function tell(message: WorkerMessage): void {
  process.send?.(message);
}

function quit(code: number): never {
  scenario?.shutdown();
  process.exit(code);
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.cmd) {
    case 'setup': {
      setTimeout(() => quit(4), message.job.hardDeadlineMs).unref();
      scenario = createScenario(message.job);
      tell({ evt: 'ready', report: await scenario.setup() });
      return;
    }
    case 'open':
      if (!scenario) throw new Error('open before setup');
      tell({ evt: 'opened', report: await scenario.openRooms(message.rooms) });
      return;
    case 'run':
      if (!scenario) throw new Error('run before setup');
      tell({ evt: 'result', result: await scenario.run(message.warmupMs, message.durationMs) });
      return;
    case 'exit':
      quit(0);
  }
}

process.on('message', (message: ParentMessage) => {
  handle(message).catch((err: unknown) => {
    tell({ evt: 'fatal', error: err instanceof Error ? err.stack ?? err.message : String(err) });
    quit(1);
  });
});
process.on('disconnect', () => quit(0));
