/**
 * Hold: connections that said hello and joined a P2P room, then stay silent. The runner opens
 * them in steps (`open` messages) and reads the server's RSS after each step.
 */
import { ScenarioBase } from './scenario-base.js';

export class HoldScenario extends ScenarioBase {
  protected start(): void {
    // idle on purpose: the figure is memory, not traffic
  }

  onRelay(): void {
    this.delivered++;
  }
}
