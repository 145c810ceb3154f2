/**
 * The snapshot cache's entry format (version 3; version 2 differed only in the names of the step
 * fields): a ThreadState as one compact JSON text that parses and restores in a fraction of the time
 * of the plain persisted snapshots (`serializeThreadState`, which repeats the same xstate
 * boilerplate and step specs in every step: 13.8 MB for a 100k-fact thread of 25 000 steps).
 *
 * Text: `{"format":3,"actorRefs":<bool>,"body":<Body>}`. In the body:
 * - `states`: per machine, a table of the distinct `{status, value, historyValue, output?, error?}`
 *   of its snapshots; an actor record names its state by index.
 * - an actor record is `[stateIndex, context]`, or, for a snapshot with children, its persisted
 *   snapshot verbatim (an object).
 * - steps come in runs of one `(interactionId, planId)`, in the state's key order: `[interactionId,
 *   planId, ...rows]`. A row is `[stateIndex, shapeIndex, stepIndex, ...values]`: the shape (body
 *   `shapes`) lists the context's keys in order, each literal (`0`, its value next in the row) or
 *   derived (`1`): `interactionId` and `planId` from the run, `step` = the run plan's step
 *   `stepIndex` (the very object the interaction holds, as after a fold). The step's key is
 *   `stepKey(interactionId, planId, step.id)`. A step that does not fit (children, or a key that is
 *   not that) is a row `{k: key, p: persistedSnapshot}`.
 * Keys whose value is `undefined` are left out (as JSON does). A text of any other `format` (entries
 * written before this one had none) decodes to `undefined`: a cache miss.
 *
 * Decoding restores the thread and the interactions at once, and the steps lazily: the decoded
 * state's step record (`buildStepRecord`) makes a step's snapshot on the first read of its key, from
 * the row decoded with the entry (same context, same plan step object, same state template as an
 * eager restore), so a fold from the entry makes only the steps its facts touch; anything reading
 * every step (hashing, encoding, listing keys) makes them all.
 */
import type { AnyStateMachine } from 'xstate';
import { hasErrorCode, OrchestralError } from '../../errors/orchestral-error.ts';
import { defaultMachines, stepKey, type FoldOptions, type ThreadState } from '../fold/thread-state.ts';
import { buildStepRecord } from '../fold/step-table.ts';
import { machineDefinitionHash, revivedInteraction, type PersistedMachineSnapshot } from './snapshot-cache-machines.ts';
import { reviveInteractionContext } from '../../../machines/interaction.machine.ts';
import { instantiate, restoreSnapshot, templateFor } from '../fold/xstate-adapter.ts';

/** The entry format version `encodeThreadState` writes and `decodeThreadState` reads. */
export const SNAPSHOT_FORMAT = 3;

type StateKey = { status: string; value: unknown; historyValue?: unknown; output?: unknown; error?: unknown };
type ActorRecord = [number, unknown] | PersistedMachineSnapshot;
type StepRow = unknown[] | { k: string; p: PersistedMachineSnapshot };
interface Body {
  threadId: string;
  revision: string;
  machineHash: string;
  states: { thread: StateKey[]; interaction: StateKey[]; step: StateKey[] };
  shapes: Array<Array<[string, 0 | 1]>>;
  thread: ActorRecord;
  interactions: Array<[string, ActorRecord]>;
  steps: unknown[][];
}

/** Indexes distinct values by a string key. */
function table<T>(): { list: T[]; index(key: string, value: T): number } {
  const byKey = new Map<string, number>();
  const list: T[] = [];
  return {
    list,
    index(key, value) {
      let i = byKey.get(key);
      if (i === undefined) byKey.set(key, (i = list.push(value) - 1));
      return i;
    },
  };
}

const hasChildren = (p: PersistedMachineSnapshot): boolean => {
  for (const _ in p.children ?? {}) return true;
  return false;
};

function stateKey(p: PersistedMachineSnapshot): StateKey {
  const k: StateKey = { status: p.status, value: p.value };
  if (p.historyValue !== undefined) k.historyValue = p.historyValue;
  if (p.output !== undefined) k.output = p.output;
  if (p.error !== undefined) k.error = p.error;
  return k;
}

/** The plan steps of `interactionId`'s plan `planId` in `state`, or undefined when the context has no such plan. */
function planSteps(state: Pick<ThreadState, 'interactions'>, interactionId: string, planId: string): readonly unknown[] | undefined {
  const plans = (state.interactions[interactionId]?.context as { plans?: unknown } | undefined)?.plans;
  if (!Array.isArray(plans)) return undefined;
  for (const entry of plans as Array<{ planId?: unknown; plan?: { steps?: unknown } }>) {
    if (entry?.planId === planId && Array.isArray(entry.plan?.steps)) return entry.plan.steps as unknown[];
  }
  return undefined;
}

/**
 * Encodes `state` as an entry text of format 3 (see module doc), folded by `options.machines`.
 * Pure; throws only what xstate's `getPersistedSnapshot` throws.
 */
export function encodeThreadState(state: ThreadState, options: FoldOptions = {}): string {
  const m = options.machines ?? defaultMachines;
  const states = { thread: table<StateKey>(), interaction: table<StateKey>(), step: table<StateKey>() };
  const shapes = table<Array<[string, 0 | 1]>>();
  const actor = (machine: AnyStateMachine, t: ReturnType<typeof table<StateKey>>, snap: unknown): { rec: ActorRecord; p: PersistedMachineSnapshot; state: number } => {
    const p = machine.getPersistedSnapshot(snap as never) as unknown as PersistedMachineSnapshot;
    if (hasChildren(p)) return { rec: p, p, state: -1 };
    const k = stateKey(p);
    const i = t.index(JSON.stringify(k), k);
    return { rec: [i, p.context], p, state: i };
  };
  const interactions: Array<[string, ActorRecord]> = [];
  for (const [id, snap] of Object.entries(state.interactions)) interactions.push([id, actor(m.interaction, states.interaction, snap).rec]);

  const steps: unknown[][] = [];
  let run: unknown[] | undefined;
  let specs: readonly unknown[] | undefined;
  for (const [key, snap] of Object.entries(state.steps)) {
    const { p, state: si } = actor(m.step, states.step, snap);
    const c = p.context as Record<string, unknown> | null;
    const iid = c?.interactionId;
    const planId = c?.planId;
    const step = c?.step as { id?: unknown } | undefined;
    if (si < 0 || typeof iid !== 'string' || typeof planId !== 'string' || typeof step?.id !== 'string' || key !== stepKey(iid, planId, step.id)) {
      if (run === undefined) steps.push((run = [null, null]));
      run.push({ k: key, p } satisfies StepRow);
      continue;
    }
    if (run === undefined || run[0] !== iid || run[1] !== planId) {
      steps.push((run = [iid, planId]));
      specs = planSteps(state, iid, planId);
    }
    const stepIndex = specs ? specs.indexOf(step) : -1;
    const fields: Array<[string, 0 | 1]> = [];
    const row: unknown[] = [si, 0, stepIndex];
    for (const [k, v] of Object.entries(c!)) {
      if (v === undefined) continue;
      const derived = k === 'interactionId' || k === 'planId' || (k === 'step' && stepIndex >= 0);
      fields.push([k, derived ? 1 : 0]);
      if (!derived) row.push(v);
    }
    row[1] = shapes.index(JSON.stringify(fields), fields);
    run.push(row);
  }
  const body: Body = {
    threadId: state.threadId,
    revision: state.revision.toString(),
    machineHash: machineDefinitionHash(m),
    states: { thread: [], interaction: states.interaction.list, step: states.step.list },
    shapes: shapes.list,
    thread: actor(m.thread, states.thread, state.thread).rec,
    interactions,
    steps,
  };
  body.states.thread = states.thread.list;
  const text = JSON.stringify(body);
  return `{"format":${SNAPSHOT_FORMAT},"actorRefs":${text.includes('xstate$$type')},"body":${text}}`;
}

/**
 * Thrown by `decodeThreadState` for an entry written by other machine code (its `machineHash`,
 * 16 hex chars, is not the hash of the machines asked for): it would not equal the fold it replaces.
 */
export class SnapshotMachineMismatchError extends OrchestralError {
  constructor(
    readonly threadId: string,
    readonly revision: string,
    readonly entryHash: string,
    readonly machineHash: string,
  ) {
    super('SNAPSHOT_MACHINE_MISMATCH', `snapshot of thread '${threadId}' at revision ${revision} was written by machines ${entryHash}, not ${machineHash}`);
  }
}

/** True when `err` is a SnapshotMachineMismatchError (code SNAPSHOT_MACHINE_MISMATCH). */
export function isSnapshotMachineMismatchError(err: unknown): err is SnapshotMachineMismatchError {
  return hasErrorCode(err, 'SNAPSHOT_MACHINE_MISMATCH');
}

/**
 * Rebuilds the ThreadState of an entry text written by `encodeThreadState` with `options.machines`.
 * Returns undefined when the text is of another format version (an older entry: a cache miss).
 * @throws SyntaxError the text is not JSON.
 * @throws SnapshotMachineMismatchError the entry was written by other machine code.
 */
export function decodeThreadState(text: string, options: FoldOptions = {}): ThreadState | undefined {
  const parsed = JSON.parse(text) as { format?: unknown; actorRefs?: boolean; body?: Body } | null;
  if (parsed === null || typeof parsed !== 'object' || parsed.format !== SNAPSHOT_FORMAT || parsed.body === undefined) return undefined;
  const b = parsed.body;
  const m = options.machines ?? defaultMachines;
  const expected = machineDefinitionHash(m);
  if (b.machineHash !== expected) throw new SnapshotMachineMismatchError(b.threadId, b.revision, b.machineHash, expected);
  const actorRefs = parsed.actorRefs === true;
  /** Per state index: context → snapshot. */
  const makers = (machine: AnyStateMachine, states: StateKey[]): Array<(context: unknown) => unknown> =>
    states.map((k) => {
      if (actorRefs) return (context) => restoreSnapshot(machine, { ...k, context, children: {} });
      const t = templateFor(machine, k);
      return (context) => instantiate(t, context, k.output, k.error);
    });
  const restore = (machine: AnyStateMachine, make: Array<(context: unknown) => unknown>, rec: ActorRecord): unknown => {
    if (!Array.isArray(rec)) return restoreSnapshot(machine, rec);
    return make[rec[0]]!(rec[1]);
  };
  const thread = restore(m.thread, makers(m.thread, b.states.thread), b.thread) as ThreadState['thread'];
  const interactionMakers = makers(m.interaction, b.states.interaction);
  const interactions: ThreadState['interactions'] = {};
  for (const [id, rec] of b.interactions) {
    const revived: ActorRecord = Array.isArray(rec) ? [rec[0], reviveInteractionContext(rec[1])] : revivedInteraction(rec);
    interactions[id] = restore(m.interaction, interactionMakers, revived) as ThreadState['interactions'][string];
  }
  const stepMakers = makers(m.step, b.states.step);
  const shapes = b.shapes.map((fields) => {
    const keys = fields.map(([k]) => k);
    // where a literal `step` sits in a row (its id names the step), when the shape does not derive it
    const literal = fields.filter(([, derived]) => derived === 0).map(([k]) => k);
    return {
      keys,
      derive: fields.map(([k, derived]) => (derived === 0 ? 0 : k === 'interactionId' ? 1 : k === 'planId' ? 2 : 3)),
      stepAt: literal.includes('step') ? 3 + literal.indexOf('step') : -1,
    };
  });
  const steps = buildStepRecord<ThreadState['steps'][string]>();
  const partial = { threadId: b.threadId, revision: BigInt(b.revision), thread, interactions };
  for (const run of b.steps) {
    const iid = run[0] as string;
    const planId = run[1] as string;
    const specs = typeof iid === 'string' && typeof planId === 'string' ? planSteps(partial, iid, planId) : undefined;
    const stepOf = (row: unknown[], stepAt: number): unknown => ((row[2] as number) >= 0 ? specs![row[2] as number] : stepAt >= 0 ? row[stepAt] : undefined);
    // a row's snapshot is made when its key is first read (see buildStepRecord): a fold touches few
    const make = (row: unknown[]): ThreadState['steps'][string] => {
      const shape = shapes[row[1] as number]!;
      const step = stepOf(row, shape.stepAt);
      const context: Record<string, unknown> = {};
      let i = 3;
      for (let f = 0; f < shape.keys.length; f++) {
        const k = shape.keys[f]!;
        const d = shape.derive[f];
        context[k] = d === 0 ? row[i++] : d === 1 ? iid : d === 2 ? planId : step;
      }
      return stepMakers[row[0] as number]!(context) as ThreadState['steps'][string];
    };
    for (let r = 2; r < run.length; r++) {
      const row = run[r] as StepRow;
      if (!Array.isArray(row)) {
        steps.set(row.k, restoreSnapshot(m.step, row.p) as ThreadState['steps'][string]);
        continue;
      }
      const step = stepOf(row, shapes[row[1] as number]!.stepAt) as { id: string };
      steps.defer(stepKey(iid, planId, step.id), make, row);
    }
  }
  return { ...partial, steps: steps.done() };
}
