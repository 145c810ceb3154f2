/** Shared helpers of the machine tests: pure stepping through one machine, and fact builders. */
import { transition, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import type { InteractionEvent } from '../../machines/interaction.machine.ts';
import type { StepEvent } from '../../machines/step-lifecycle.ts';
import type { Fact } from '../../src/facts/fact-types.ts';

/**
 * What the machines receive: facts (the interaction's StepCancelled may carry the fold's
 * annotation, and so may a fact to a pending step: `dependenciesDone`).
 */
type MachineEvent = Fact | InteractionEvent | StepEvent;
import { initialSnapshot, nextSnapshot } from '../../src/history/fold/xstate-adapter.ts';

/** Initial snapshot of `machine` with `input`. */
export function start<M extends AnyStateMachine>(machine: M, input: unknown): SnapshotFrom<M> {
  return initialSnapshot(machine, input);
}

/** Comparable form of a snapshot: what the fold, the hash and the snapshot cache read of it. */
function comparable(s: unknown): string {
  const o = s as Record<string, unknown>;
  const hist = Object.fromEntries(Object.entries((o.historyValue ?? {}) as Record<string, { id: string }[]>).map(([k, v]) => [k, v.map((n) => n.id)]));
  const nodes = (o._nodes as { id: string }[]).map((n) => n.id);
  return JSON.stringify({ keys: Object.keys(o).sort(), status: o.status, value: o.value, hist, context: o.context, output: o.output, tags: [...(o.tags as Set<string>)], nodes });
}

/**
 * One pure step: the next snapshot, or undefined when `fact` is not accepted. Also checks it agrees
 * with `can`, and that the adapter's snapshot (its quick path, most of the time) is the one xstate's
 * public pure `transition()` gives.
 */
export function tryStep<M extends AnyStateMachine>(machine: M, snap: SnapshotFrom<M>, fact: MachineEvent): SnapshotFrom<M> | undefined {
  const can = (snap as { can(e: MachineEvent): boolean }).can(fact);
  const next = nextSnapshot(machine, snap, fact);
  const accepted = next !== snap;
  if (accepted !== can) throw new Error(`acceptance of ${fact.type} disagrees with snapshot.can (${can})`);
  const [viaXstate] = transition(machine, snap as never, fact as never);
  if ((viaXstate === snap) !== !accepted) throw new Error(`acceptance of ${fact.type} disagrees with xstate's transition()`);
  if (accepted && comparable(next) !== comparable(viaXstate)) {
    throw new Error(`${fact.type}: the adapter's snapshot differs from xstate's transition():\n${comparable(next)}\n${comparable(viaXstate)}`);
  }
  return accepted ? next : undefined;
}

/** Steps through every fact; throws naming the first refused one. */
export function run<M extends AnyStateMachine>(machine: M, snap: SnapshotFrom<M>, facts: readonly MachineEvent[]): SnapshotFrom<M> {
  let s = snap;
  facts.forEach((f, i) => {
    const n = tryStep(machine, s, f);
    if (n === undefined) throw new Error(`fact #${i} ${f.type} refused in ${JSON.stringify((s as { value?: unknown }).value)}`);
    s = n;
  });
  return s;
}
