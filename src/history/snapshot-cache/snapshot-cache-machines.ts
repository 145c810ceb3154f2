/**
 * What the snapshot cache's formats share about the machines: the hash of their definitions (an
 * entry written by other machine code is ignored) and restoring childless snapshots from a
 * per-(machine, state) template instead of xstate's `restoreSnapshot` for each actor.
 */
import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';
import { INTERACTION_CONTEXT_SOURCE } from '../../../machines/interaction-context.ts';
import { reviveInteractionContext } from '../../../machines/interaction-revive.ts';
import { STEP_LIFECYCLE_SOURCE } from '../../../machines/step-lifecycle.ts';
import { defaultMachines, type MachineSet } from '../fold/thread-state.ts';
import { instantiate, templateFor } from '../fold/xstate-adapter.ts';

/** The fields of a persisted machine snapshot (xstate's `getPersistedSnapshot`) the cache reads. */
export interface PersistedMachineSnapshot {
  status: string;
  value: unknown;
  historyValue?: unknown;
  context: unknown;
  children?: Record<string, unknown>;
  output?: unknown;
  error?: unknown;
}

const hashes = new WeakMap<MachineSet, string>();
/** JSON replacer: a function becomes its source plus its own properties (e.g. `assign(...)`'s `assignment`). */
const fnSource = (_key: string, v: unknown): unknown =>
  typeof v === 'function' ? { fn: v.toString(), props: Object.fromEntries(Object.entries(v)) } : v;

/**
 * Hash (16 hex chars of sha256) of the machines' definitions: their config and implementations with
 * every function replaced by its source text, plus the source of the step lifecycle (the step
 * machine's guards call it) and of the interaction context functions (machines/interaction-context.ts,
 * which the interaction machine's guards and actions call). Other functions called from a guard or action but defined outside the machine are not covered:
 * bump the machine's `version` when changing one of those.
 */
export function machineDefinitionHash(machines: MachineSet = defaultMachines): string {
  let h = hashes.get(machines);
  if (h === undefined) {
    const parts = [machines.thread, machines.interaction, machines.step].map((m: AnyStateMachine) =>
      JSON.stringify([m.id, m.version ?? null, m.config, m.implementations], fnSource),
    );
    parts.push(STEP_LIFECYCLE_SOURCE, INTERACTION_CONTEXT_SOURCE);
    h = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
    hashes.set(machines, h);
  }
  return h;
}

/** True when `p` is an object whose `children` is absent or empty. */
export const isChildless = (p: PersistedMachineSnapshot): boolean => {
  if (p === null || typeof p !== 'object') return false;
  for (const _ in p.children ?? {}) return false;
  return true;
};

/**
 * `machine.restoreSnapshot(p)` for a childless snapshot whose context holds no actor reference:
 * xstate's restore resolves the state nodes of `value` and `historyValue` (the same for every
 * snapshot with those), builds the snapshot object, and revives actor references in the context
 * (none here). So: restore once per key with an empty context, then copy that object with this
 * snapshot's context, output and error (own `tags` set and `children` object; `_nodes`, `value`
 * and `historyValue` are shared, as between snapshots xstate derives from one another).
 */
export function fromTemplate(machine: AnyStateMachine, p: PersistedMachineSnapshot): unknown {
  return instantiate(templateFor(machine, p), p.context, p.output, p.error);
}

/**
 * An interaction's persisted snapshot (JSON: its `observations` and `settledSteps` plain arrays) with
 * those lists rebuilt as the machine holds them (`reviveInteractionContext`). `p` is not modified.
 */
export const revivedInteraction = (p: PersistedMachineSnapshot): PersistedMachineSnapshot =>
  p === null || typeof p !== 'object' ? p : { ...p, context: reviveInteractionContext(p.context) };
