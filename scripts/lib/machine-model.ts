/**
 * Reads a machine's resolved node tree (machine.root and its StateNodes) into a plain model: states
 * with their entry/exit actions and transitions (trigger, guard, targets, actions). The diagrams
 * and tables are drawn from this, so they show what XState itself resolved — not what a reader of
 * the source guessed — and cannot drift from the machine files.
 */
import type { AnyStateMachine } from 'xstate';

export interface TransitionModel {
  /** An event type, `after <delay>` or `always`. */
  trigger: string;
  guard?: string;
  /** Paths of the target states; empty for a transition that only runs actions. */
  targets: string[][];
  actions: string[];
}

export interface StateModel {
  key: string;
  /** Path from the root: [] for the machine itself, ['helloed', 'inRoom'] for a nested state. */
  path: string[];
  type: string;
  description?: string;
  entry: string[];
  exit: string[];
  initial?: string[];
  children: StateModel[];
  transitions: TransitionModel[];
}

export interface MachineModel {
  id: string;
  root: StateModel;
}

/** The fields of xstate's StateNode this reader uses (its generic types get in the way here). */
interface NodeLike {
  key: string;
  path: string[];
  type: string;
  description?: string;
  states: Record<string, NodeLike>;
  initial?: { target: NodeLike[] };
  transitions: Map<string, TransitionLike[]>;
  after: Array<TransitionLike & { delay: string | number }>;
  always?: TransitionLike[];
  entry: unknown[];
  exit: unknown[];
}

interface TransitionLike {
  eventType: string;
  guard?: unknown;
  target?: NodeLike[];
  actions: unknown[];
}

/** Named implementations keep their name; XState's built-ins lose the `xstate.` prefix. */
function nameOf(x: unknown): string {
  if (typeof x === 'string') return x;
  const type = (x as { type?: unknown } | null)?.type;
  if (typeof type === 'string') return type.replace(/^xstate\./, '');
  return 'inline';
}

/** The raise/cancel pairs XState adds to entry/exit for `after` timers are plumbing, not behaviour. */
function isTimerPlumbing(x: unknown): boolean {
  const type = (x as { type?: unknown } | null)?.type;
  return type === 'xstate.raise' && typeof (x as { delay?: unknown }).delay !== 'undefined'
    || type === 'xstate.cancel';
}

function actionsOf(list: unknown[]): string[] {
  return list.filter((a) => !isTimerPlumbing(a)).map(nameOf);
}

function toTransition(trigger: string, t: TransitionLike): TransitionModel {
  const out: TransitionModel = { trigger, targets: (t.target ?? []).map((n) => n.path), actions: actionsOf(t.actions) };
  if (t.guard !== undefined) out.guard = nameOf(t.guard);
  return out;
}

function readState(node: NodeLike): StateModel {
  const delayed = new Map(node.after.map((t) => [t.eventType, `after ${t.delay}`]));
  const transitions: TransitionModel[] = [];
  for (const [eventType, list] of node.transitions) {
    const trigger = delayed.get(eventType) ?? eventType;
    list.forEach((t, i) => {
      const model = toTransition(trigger, t);
      // An unguarded alternative after guarded ones runs only when they all failed: say so.
      if (model.guard === undefined && i > 0) model.guard = 'else';
      transitions.push(model);
    });
  }
  for (const t of node.always ?? []) transitions.push(toTransition('always', t));
  const state: StateModel = {
    key: node.key,
    path: node.path,
    type: node.type,
    entry: actionsOf(node.entry),
    exit: actionsOf(node.exit),
    children: Object.values(node.states).map(readState),
    transitions,
  };
  if (node.description) state.description = node.description;
  if (node.initial && node.initial.target.length > 0) state.initial = node.initial.target[0].path;
  return state;
}

export function describeMachine(machine: AnyStateMachine): MachineModel {
  const root = machine.root as unknown as NodeLike;
  return { id: machine.id, root: readState(root) };
}

/** Every state of the tree, depth first, the root excluded. */
export function allStates(root: StateModel): StateModel[] {
  return root.children.flatMap((c) => [c, ...allStates(c)]);
}

/** `event [guard] / a, b` — the label used by the diagrams and the tables alike. */
export function transitionLabel(t: Pick<TransitionModel, 'trigger' | 'guard' | 'actions'>): string {
  let label = t.trigger;
  if (t.guard) label += ` [${t.guard}]`;
  if (t.actions.length > 0) label += ` / ${t.actions.join(', ')}`;
  return label;
}
