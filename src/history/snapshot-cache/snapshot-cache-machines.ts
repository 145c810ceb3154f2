/**
 * What the snapshot cache's formats share about the machines: the hash of their definitions (an
 * entry written by other machine code is ignored) and restoring childless snapshots from a
 * per-(machine, state) template instead of xstate's `restoreSnapshot` for each actor.
 */
import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';
import { MACHINE_HELPER_SOURCES } from '../../../machines/helper-sources.ts';
import { reviveInteractionContext } from '../../../machines/interaction-revive.ts';
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
 * Hash (16 hex chars of sha256) of the machines' definitions: their id, version, config and
 * implementations as JSON with every function replaced by its source text and its own properties
 * (e.g. `assign(...)`'s `assignment`, the step machine's `moves` guards' `from`/`target`), followed by
 * `helperSources` (default `MACHINE_HELPER_SOURCES` of machines/helper-sources.ts: the source text of
 * the helpers the guards, actions and context factories call from outside the definitions, such as
 * the step lifecycle and the interaction context functions, and of the AppendSeq and OrderedRecord
 * classes the contexts hold). Memoised per MachineSet for the default `helperSources`.
 *
 * Not covered: values a function closes over other than through its own properties, and code those
 * helpers call outside their own text (xstate itself): bump the machine's `version` when changing
 * such code. Pure; never throws.
 */
export function machineDefinitionHash(machines: MachineSet = defaultMachines, helperSources: Readonly<Record<string, string>> = MACHINE_HELPER_SOURCES): string {
  const memo = helperSources === MACHINE_HELPER_SOURCES;
  let h = memo ? hashes.get(machines) : undefined;
  if (h === undefined) {
    h = createHash('sha256').update(machineDefinitionHashInput(machines, helperSources)).digest('hex').slice(0, 16);
    if (memo) hashes.set(machines, h);
  }
  return h;
}

/**
 * The text `machineDefinitionHash` hashes: one JSON line per machine (thread, interaction, step:
 * `[id, version, config, implementations]`, functions as `{ fn: source, props }`), then each of
 * `helperSources`' values, newline-joined.
 */
export function machineDefinitionHashInput(machines: MachineSet, helperSources: Readonly<Record<string, string>> = MACHINE_HELPER_SOURCES): string {
  const parts = [machines.thread, machines.interaction, machines.step].map((m: AnyStateMachine) =>
    JSON.stringify([m.id, m.version ?? null, m.config, m.implementations], fnSource),
  );
  parts.push(...Object.values(helperSources));
  return parts.join('\n');
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
