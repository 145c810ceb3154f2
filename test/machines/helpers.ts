/** Shared helpers of the machine tests: pure stepping through one machine, and fact builders. */
import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import type { InteractionEvent } from '../../machines/interaction.machine.ts';
import type { Fact } from '../../src/facts/fact-types.ts';

/** What the machines receive: facts (the interaction's StepCancelled may carry the fold's annotation). */
type MachineEvent = Fact | InteractionEvent;
import { initialSnapshot, nextSnapshot } from '../../src/history/fold/xstate-adapter.ts';

/** Initial snapshot of `machine` with `input`. */
export function start<M extends AnyStateMachine>(machine: M, input: unknown): SnapshotFrom<M> {
  return initialSnapshot(machine, input);
}

/** One pure step: the next snapshot, or undefined when `fact` is not accepted. Also checks it agrees with `can`. */
export function tryStep<M extends AnyStateMachine>(machine: M, snap: SnapshotFrom<M>, fact: MachineEvent): SnapshotFrom<M> | undefined {
  const can = (snap as { can(e: MachineEvent): boolean }).can(fact);
  const next = nextSnapshot(machine, snap, fact);
  const accepted = next !== snap;
  if (accepted !== can) throw new Error(`acceptance of ${fact.type} disagrees with snapshot.can (${can})`);
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
