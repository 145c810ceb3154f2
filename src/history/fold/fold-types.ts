/**
 * The shapes of the pure fold: the folded state of a thread, the machines it runs, the key of a step
 * actor, and the draft a fold writes into. See thread-state.ts for the fold itself.
 */
import type { SnapshotFrom } from 'xstate';
import { interactionMachine } from '../../../machines/interaction.machine.ts';
import { stepMachine } from '../../../machines/step.machine.ts';
import { threadMachine } from '../../../machines/thread.machine.ts';
import type { StepRecordWriter } from './step-table.ts';

/** Snapshots of the three machines, as the fold keeps them. */
export type ThreadSnapshot = SnapshotFrom<typeof threadMachine>;
export type InteractionSnapshot = SnapshotFrom<typeof interactionMachine>;
export type StepSnapshot = SnapshotFrom<typeof stepMachine>;

/**
 * Folded state of one thread at `revision`. Treat as immutable: every apply returns a new object.
 *
 * Outside the package it is opaque: the machines' snapshots (xstate objects) are marked internal and left
 * out of the published declarations; read a state with `threadView`, `interactionView`,
 * `planRunView` and `hashThreadState`.
 */
export interface ThreadState {
  threadId: string;
  /** Last applied revision; -1n when none. */
  revision: bigint;
  /** @internal */
  thread: ThreadSnapshot;
  /** @internal */
  interactions: Record<string, InteractionSnapshot>;
  /** @internal Key `stepKey(interactionId, planId, stepId)`. */
  steps: Record<string, StepSnapshot>;
}

/** The machines a fold runs. Replaying with another set (e.g. changed code) is how divergence is tested. */
export interface MachineSet {
  thread: typeof threadMachine;
  interaction: typeof interactionMachine;
  step: typeof stepMachine;
}

/** The project's machines. */
export const defaultMachines: MachineSet = { thread: threadMachine, interaction: interactionMachine, step: stepMachine };

/** Options of the fold functions. */
export interface FoldOptions {
  /** Machines to fold with (default `defaultMachines`). Must be the set the state was built with. */
  machines?: MachineSet;
}

/** Key of a step actor: `${interactionId}/${planId}/${stepId}`. */
export function stepKey(interactionId: string, planId: string, stepId: string): string {
  return `${interactionId}/${planId}/${stepId}`;
}

/** A snapshot of any of the three machines. */
export type AnySnap = ThreadSnapshot | InteractionSnapshot | StepSnapshot;

/** A state being built by one apply call: records are copied on first write. */
export interface FoldBatch extends ThreadState {
  ownInteractions: boolean;
  ownSteps: boolean;
  /** Writes into `steps` while `ownSteps`. */
  stepWriter?: StepRecordWriter<StepSnapshot>;
  /**
   * Writes into `interactions` while `ownInteractions`, when that record is a table record
   * (step-table.ts: a state decoded from the snapshot cache and the states folded from it); a plain
   * record is copied and written directly.
   */
  interactionWriter?: StepRecordWriter<InteractionSnapshot>;
  /** Snapshot before the batch of every actor it changed (only tracked when hashing incrementally). */
  changed: Map<string, AnySnap | undefined> | undefined;
}
