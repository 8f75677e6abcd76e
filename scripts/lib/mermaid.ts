/**
 * Draws a machine model as Mermaid `stateDiagram-v2`. Transitions that change state are arrows
 * labelled `event [guard] / actions`; transitions that only run actions are listed inside their
 * state, events with the same guard and actions on one line, so that a state answering ten
 * requests the same way stays readable. Handlers of the machine itself hang off an "any state"
 * box, and those of a compound state off an "in any <state> state" box inside it.
 */
import { transitionLabel, type MachineModel, type StateModel, type TransitionModel } from './machine-model.js';

const ANY = 'anyState';

const idOf = (path: string[]) => (path.length === 0 ? ANY : path.join('_'));

/** Mermaid reads `:` and `;` as syntax and `#` as an entity start: keep labels to plain text. */
const clean = (s: string) => s.replace(/[:;#]/g, ' ');

/** Lines for the transitions that stay in the state: events with identical guard and actions merged. */
export function reactionLines(transitions: TransitionModel[]): string[] {
  const groups = new Map<string, { triggers: string[]; t: TransitionModel }>();
  for (const t of transitions) {
    if (t.targets.length > 0) continue;
    const key = `${t.guard ?? ''}|${t.actions.join(',')}`;
    const g = groups.get(key);
    if (g) g.triggers.push(t.trigger);
    else groups.set(key, { triggers: [t.trigger], t });
  }
  return [...groups.values()].map(({ triggers, t }) => {
    const label = transitionLabel({ ...t, trigger: triggers.join(', ') });
    return t.actions.length === 0 ? `${label} (ignored)` : label;
  });
}

function isInside(path: string[], container: string[]): boolean {
  return container.every((k, i) => path[i] === k);
}

function arrows(state: StateModel, container: string[], out: string[], indent: string): void {
  for (const t of state.transitions) {
    for (const target of t.targets) {
      // Each arrow is written inside the innermost compound state holding both ends.
      const common = lowestCommon(state.path, target);
      if (common.join('/') !== container.join('/')) continue;
      out.push(`${indent}${idOf(state.path)} --> ${idOf(target)} : ${clean(transitionLabel(t))}`);
    }
  }
}

function lowestCommon(a: string[], b: string[]): string[] {
  const common: string[] = [];
  // Neither end's own path counts as a container: a transition of a compound state to its
  // child is drawn outside it.
  for (let i = 0; i < Math.min(a.length, b.length) - 1 && a[i] === b[i]; i++) common.push(a[i]);
  return common;
}

/** Every state whose transitions are drawn at this level (its descendants included). */
function sourcesWithin(root: StateModel): StateModel[] {
  return [root, ...root.children.flatMap(sourcesWithin)];
}

function entryExit(state: StateModel): string[] {
  const lines: string[] = [];
  if (state.entry.length > 0) lines.push(`entry / ${state.entry.join(', ')}`);
  if (state.exit.length > 0) lines.push(`exit / ${state.exit.join(', ')}`);
  return lines;
}

function drawLevel(parent: StateModel, all: StateModel[], out: string[], indent: string): void {
  if (parent.initial) out.push(`${indent}[*] --> ${idOf(parent.initial)}`);
  for (const child of parent.children) {
    const id = idOf(child.path);
    const reactions = reactionLines(child.transitions);
    if (child.children.length > 0) {
      out.push(`${indent}state "${child.key}" as ${id} {`);
      // A compound state's own handlers apply in each of its substates: a box inside it says so.
      const own = [...entryExit(child), ...reactions];
      if (own.length > 0) {
        out.push(`${indent}  state "in any ${child.key} state" as ${id}_${ANY}`);
        for (const line of own) out.push(`${indent}  ${id}_${ANY} : ${clean(line)}`);
      }
      drawLevel(child, all, out, `${indent}  `);
      out.push(`${indent}}`);
    } else {
      out.push(`${indent}state "${child.key}" as ${id}`);
      for (const line of [...entryExit(child), ...reactions]) out.push(`${indent}${id} : ${clean(line)}`);
    }
    if (child.type === 'final') out.push(`${indent}${id} --> [*]`);
  }
  for (const source of all) arrows(source, parent.path, out, indent);
}

export function toMermaid(model: MachineModel): string {
  const out = ['stateDiagram-v2'];
  const root = model.root;
  const rootReactions = reactionLines(root.transitions);
  if (root.transitions.length > 0) {
    out.push(`  state "any state" as ${ANY}`);
    for (const r of rootReactions) out.push(`  ${ANY} : ${clean(r)}`);
  }
  drawLevel(root, sourcesWithin(root), out, '  ');
  return `${out.join('\n')}\n`;
}
