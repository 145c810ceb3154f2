/**
 * The snapshot cache's entry format (version 4): a ThreadState as a text whose actors are read only
 * when first used. The plain persisted snapshots (`serializeThreadState`) repeat the same xstate
 * boilerplate and step specs in every step (13.8 MB for a 100k-fact thread of 25 000 steps) and
 * restore every actor; format 3 (one JSON text, 6.5 MB) still parsed every interaction's context,
 * 5.1 MB of it, whether the fold after it touched that interaction or not.
 *
 * Text: two lines, then the segments (a JSON text has no raw newline):
 * `{"format":4,"actorRefs":<bool>,"check":<checksum of the body line>}` `\n` `<Body JSON>` `\n`
 * `<segments>`. The segments are JSON texts, concatenated: one per interaction (in the order of the
 * body's `interactions`), then one per run of steps (in the order of `steps`); the body gives each
 * one's length (UTF-16 code units, as `String.length`) and checksum (32-bit FNV-1a of its UTF-16
 * code units: any one unit changed changes it). `actorRefs`: the text holds an `xstate$$type`
 * marker (a persisted actor reference). In the body:
 * - `states`: per machine, a table of the distinct `{status, value, historyValue, output?, error?}`
 *   of its snapshots; an actor record names its state by index.
 * - an actor record is `[stateIndex, context]`, or `[stateIndex, context, keysIndex]` when a key of
 *   the context holds `undefined` (JSON leaves it out; body `keys[keysIndex]` lists every key of the
 *   context in order, so the restored context has it, in its place: a later write keeps that place,
 *   as in the fold), or, for a snapshot with children, its persisted snapshot verbatim (an object).
 *   `thread` is the thread's.
 * - `interactions`: `[interactionId, length, checksum]` per interaction, in the state's key order;
 *   its segment is its actor record.
 * - `steps`: runs of one `(interactionId, planId)`, in the state's key order: `[interactionId,
 *   planId, length, checksum, ...names]`; the run's segment is the array of its rows, one per name.
 *   A row is `[stateIndex, shapeIndex, stepIndex, ...values]`, named by its step's id (key
 *   `stepKey(interactionId, planId, stepId)`): the shape (body `shapes`) lists the context's keys in
 *   order, each literal (`0`, its value next in the row), derived (`1`: `interactionId` and
 *   `planId` from the run, `step` = the run plan's step `stepIndex`, the very object the interaction
 *   holds, as after a fold) or `undefined` (`2`). A step that does not fit (children, or a key that is not that) is a
 *   row `{k: key, p: persistedSnapshot}` named `[key]` (a run of those alone has a null
 *   interactionId and planId).
 * Below a context's own keys, keys whose value is `undefined` are left out (as JSON does).
 *
 * Decoding parses the two lines and restores the thread; the interactions and the steps are records
 * of step-table.ts whose values are made on first read (`buildStepRecord`): an interaction from its
 * segment, a step from its run's segment (parsed once per run) and, for its spec, its interaction
 * (made then if not yet: the step holds the plan's own step object, as after a fold; same contexts
 * and state templates as an eager restore). The fold derives the next records from those
 * (route-fact.ts), so a fold from the entry parses and makes only the actors its facts touch;
 * anything reading every actor (hashing, encoding, listing the keys with `Object.keys`) makes them
 * all. Until then the entry text is kept (the undecoded parts are read from it).
 *
 * Bad texts: a text that does not start as format 4 decodes to `undefined`, a cache miss (the cache
 * writes a new entry): entries of formats 1–3, written before this one, are not read (no migration).
 * So does a text whose lines do not parse, whose body does not match its checksum, or whose length
 * is not that of its parts (a truncated text). A segment that does not match its checksum or does
 * not parse throws SnapshotEntryCorruptError (naming the thread, the revision and the part) when
 * an actor made from it is first read: never a wrong snapshot.
 */
import type { AnyStateMachine } from 'xstate';
import { reviveInteractionContext } from '../../../machines/interaction.machine.ts';
import { buildStepRecord, DeferredGroup } from '../fold/step-table.ts';
import { defaultMachines, stepKey, type FoldOptions, type InteractionSnapshot, type StepSnapshot, type ThreadState } from '../fold/thread-state.ts';
import { instantiate, restoreSnapshot, templateFor } from '../fold/xstate-adapter.ts';
import { SnapshotEntryCorruptError, SnapshotMachineMismatchError } from './snapshot-cache-errors.ts';
import { machineDefinitionHash, revivedInteraction, type PersistedMachineSnapshot } from './snapshot-cache-machines.ts';

export { isSnapshotEntryCorruptError, isSnapshotMachineMismatchError, SnapshotEntryCorruptError, SnapshotMachineMismatchError } from './snapshot-cache-errors.ts';

/** The entry format version `encodeThreadState` writes and `decodeThreadState` reads. */
export const SNAPSHOT_FORMAT = 4;

/** How every entry of this format starts. */
const PREFIX = `{"format":${SNAPSHOT_FORMAT},`;
/** The marker of a persisted actor reference in a context. */
const ACTOR_REF_MARKER = 'xstate$$type';

type StateKey = { status: string; value: unknown; historyValue?: unknown; output?: unknown; error?: unknown };
type ActorRecord = [number, unknown] | [number, unknown, number] | PersistedMachineSnapshot;
type StepRow = unknown[] | { k: string; p: PersistedMachineSnapshot };
/** A run's name of a row: its step id, or `[key]` for a row `{k, p}`. */
type StepName = string | [string];
interface Body {
  threadId: string;
  revision: string;
  machineHash: string;
  states: { thread: StateKey[]; interaction: StateKey[]; step: StateKey[] };
  shapes: Array<Array<[string, 0 | 1 | 2]>>;
  /** Key lists of contexts that hold an `undefined` (see actor records). */
  keys: string[][];
  thread: ActorRecord;
  /** `[interactionId, segment length, segment checksum]`. */
  interactions: Array<[string, number, number]>;
  /** `[interactionId | null, planId | null, segment length, segment checksum, ...StepName]`. */
  steps: unknown[][];
}

/** 32-bit FNV-1a of the UTF-16 code units `text[from, to)`. */
function checksum(text: string, from = 0, to = text.length): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
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

/** `context` with every key of `keys`, in that order (those it lacks as `undefined`). */
function withKeys(context: unknown, keys: readonly string[]): unknown {
  if (context === null || typeof context !== 'object') return context;
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (context as Record<string, unknown>)[k];
  return out;
}

/**
 * Encodes `state` as an entry text of format 4 (see module doc), folded by `options.machines`.
 * Makes every actor of a state decoded from an entry. Pure; throws only what xstate's
 * `getPersistedSnapshot` throws.
 */
export function encodeThreadState(state: ThreadState, options: FoldOptions = {}): string {
  const m = options.machines ?? defaultMachines;
  const states = { thread: table<StateKey>(), interaction: table<StateKey>(), step: table<StateKey>() };
  const shapes = table<Array<[string, 0 | 1 | 2]>>();
  const keyLists = table<string[]>();
  /** `[state, context]`, with the index of the context's key list when one of its keys holds `undefined`. */
  const record = (state: number, context: unknown): ActorRecord => {
    if (context === null || typeof context !== 'object') return [state, context];
    for (const k in context) {
      if ((context as Record<string, unknown>)[k] !== undefined) continue;
      const keys = Object.keys(context);
      return [state, context, keyLists.index(JSON.stringify(keys), keys)];
    }
    return [state, context];
  };
  /** The persisted snapshot of `snap` and the index of its state in `t` (-1: it has children). */
  const actor = (machine: AnyStateMachine, t: ReturnType<typeof table<StateKey>>, snap: unknown): { p: PersistedMachineSnapshot; state: number } => {
    const p = machine.getPersistedSnapshot(snap as never) as unknown as PersistedMachineSnapshot;
    if (hasChildren(p)) return { p, state: -1 };
    const k = stateKey(p);
    return { p, state: t.index(JSON.stringify(k), k) };
  };
  const actorRecord = ({ p, state }: { p: PersistedMachineSnapshot; state: number }): ActorRecord => (state < 0 ? p : record(state, p.context));
  const segments: string[] = [];
  /** Appends `value`'s JSON as the next segment: its [length, checksum]. */
  const segment = (value: unknown): [number, number] => {
    const json = JSON.stringify(value);
    segments.push(json);
    return [json.length, checksum(json)];
  };
  const thread = actorRecord(actor(m.thread, states.thread, state.thread));
  const interactions: Body['interactions'] = [];
  for (const [id, snap] of Object.entries(state.interactions)) interactions.push([id, ...segment(actorRecord(actor(m.interaction, states.interaction, snap)))]);

  const runs: Array<{ head: unknown[]; rows: StepRow[] }> = [];
  let run: { head: unknown[]; rows: StepRow[] } | undefined;
  let specs: readonly unknown[] | undefined;
  for (const [key, snap] of Object.entries(state.steps)) {
    const { p, state: si } = actor(m.step, states.step, snap);
    const c = p.context as Record<string, unknown> | null;
    const iid = c?.interactionId;
    const planId = c?.planId;
    const step = c?.step as { id?: unknown } | undefined;
    if (si < 0 || typeof iid !== 'string' || typeof planId !== 'string' || typeof step?.id !== 'string' || key !== stepKey(iid, planId, step.id)) {
      if (run === undefined) runs.push((run = { head: [null, null, 0, 0], rows: [] }));
      run.head.push([key] satisfies StepName);
      run.rows.push({ k: key, p });
      continue;
    }
    if (run === undefined || run.head[0] !== iid || run.head[1] !== planId) {
      runs.push((run = { head: [iid, planId, 0, 0], rows: [] }));
      specs = planSteps(state, iid, planId);
    }
    const stepIndex = specs ? specs.indexOf(step) : -1;
    const fields: Array<[string, 0 | 1 | 2]> = [];
    const row: unknown[] = [si, 0, stepIndex];
    for (const [k, v] of Object.entries(c!)) {
      if (v === undefined) {
        fields.push([k, 2]);
        continue;
      }
      const derived = k === 'interactionId' || k === 'planId' || (k === 'step' && stepIndex >= 0);
      fields.push([k, derived ? 1 : 0]);
      if (!derived) row.push(v);
    }
    row[1] = shapes.index(JSON.stringify(fields), fields);
    run.head.push(step.id satisfies StepName);
    run.rows.push(row);
  }
  for (const r of runs) [r.head[2], r.head[3]] = segment(r.rows);
  const body: Body = {
    threadId: state.threadId,
    revision: state.revision.toString(),
    machineHash: machineDefinitionHash(m),
    states: { thread: states.thread.list, interaction: states.interaction.list, step: states.step.list },
    shapes: shapes.list,
    keys: keyLists.list,
    thread,
    interactions,
    steps: runs.map((r) => r.head),
  };
  const bodyText = JSON.stringify(body);
  const tail = segments.join('');
  const actorRefs = bodyText.includes(ACTOR_REF_MARKER) || tail.includes(ACTOR_REF_MARKER);
  return `${PREFIX}"actorRefs":${actorRefs},"check":${checksum(bodyText)}}\n${bodyText}\n${tail}`;
}

/** `JSON.parse(json)`, or undefined when it is not JSON. */
function parseOr(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** The body's fields the decoder walks before reading any segment have their types (the rest is covered by the checksum). */
function isBody(b: unknown): b is Body {
  if (b === null || typeof b !== 'object') return false;
  const { threadId, revision, states, shapes, keys, interactions, steps } = b as Partial<Body>;
  return (
    typeof threadId === 'string' &&
    typeof revision === 'string' &&
    /^-?\d+$/.test(revision) &&
    states !== null &&
    typeof states === 'object' &&
    [states.thread, states.interaction, states.step, shapes, keys, interactions, steps].every(Array.isArray) &&
    interactions!.every((i) => Array.isArray(i) && typeof i[0] === 'string' && Number.isInteger(i[1]) && i[1] >= 0 && typeof i[2] === 'number') &&
    steps!.every((r) => Array.isArray(r) && Number.isInteger(r[2]) && (r[2] as number) >= 0 && typeof r[3] === 'number')
  );
}

/**
 * Rebuilds the ThreadState of an entry text written by `encodeThreadState` with `options.machines`;
 * its interactions and steps are made on first read (see module doc).
 * Returns undefined when the text is not a readable entry of this format (another format version,
 * truncated, a line that does not parse or does not match its checksum): a cache miss.
 * @throws SnapshotMachineMismatchError the entry was written by other machine code.
 * Reading an interaction or a step of the result throws SnapshotEntryCorruptError when its part of
 * the text was changed after it was written.
 */
export function decodeThreadState(text: string, options: FoldOptions = {}): ThreadState | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const headEnd = text.indexOf('\n');
  const bodyEnd = headEnd < 0 ? -1 : text.indexOf('\n', headEnd + 1);
  if (bodyEnd < 0) return undefined;
  const head = parseOr(text.slice(0, headEnd)) as { actorRefs?: unknown; check?: unknown } | null | undefined;
  if (head?.check !== checksum(text, headEnd + 1, bodyEnd)) return undefined;
  const b = parseOr(text.slice(headEnd + 1, bodyEnd));
  if (!isBody(b)) return undefined;
  let end = bodyEnd + 1;
  for (const i of b.interactions) end += i[1];
  for (const r of b.steps) end += r[2] as number;
  if (end !== text.length) return undefined;
  const m = options.machines ?? defaultMachines;
  const expected = machineDefinitionHash(m);
  if (b.machineHash !== expected) throw new SnapshotMachineMismatchError(b.threadId, b.revision, b.machineHash, expected);

  const actorRefs = head.actorRefs === true;
  /** Per state index: context → snapshot. */
  const makers = (machine: AnyStateMachine, states: StateKey[]): Array<(context: unknown) => unknown> =>
    states.map((k) => {
      if (actorRefs) return (context) => restoreSnapshot(machine, { ...k, context, children: {} });
      const t = templateFor(machine, k);
      return (context) => instantiate(t, context, k.output, k.error);
    });
  const corrupt = (part: string, reason: string): SnapshotEntryCorruptError => new SnapshotEntryCorruptError(b.threadId, b.revision, part, reason);
  /** The value of the segment `text[start, start + length)`, checked against `check`. */
  const segment = (start: number, length: number, check: number, part: string): unknown => {
    if (checksum(text, start, start + length) !== check) throw corrupt(part, 'does not match its checksum');
    const value = parseOr(text.slice(start, start + length));
    if (value === undefined) throw corrupt(part, 'is not JSON');
    return value;
  };
  const record = (machine: AnyStateMachine, make: Array<(context: unknown) => unknown>, rec: ActorRecord, part: string): unknown => {
    if (Array.isArray(rec)) {
      const maker = make[rec[0]];
      if (maker === undefined) throw corrupt(part, `names no state of the entry (${rec[0]})`);
      const keys = rec.length > 2 ? b.keys[rec[2] as number] : undefined;
      if (rec.length > 2 && keys === undefined) throw corrupt(part, `names no key list of the entry (${String(rec[2])})`);
      const context = keys === undefined ? rec[1] : withKeys(rec[1], keys);
      return maker(machine === m.interaction ? reviveInteractionContext(context) : context);
    }
    if (rec === null || typeof rec !== 'object') throw corrupt(part, 'is not an actor record');
    return restoreSnapshot(machine, machine === m.interaction ? revivedInteraction(rec) : rec);
  };
  const thread = record(m.thread, makers(m.thread, b.states.thread), b.thread, 'the thread') as ThreadState['thread'];

  const interactionMakers = makers(m.interaction, b.states.interaction);
  const interactionStarts: number[] = [];
  let offset = bodyEnd + 1;
  for (const i of b.interactions) {
    interactionStarts.push(offset);
    offset += i[1];
  }
  let interactionIndex: Map<string, number> | undefined;
  // an interaction's snapshot is made when its id is first read (see buildStepRecord): a fold touches few
  const interactionGroup = new DeferredGroup<InteractionSnapshot>((id) => {
    interactionIndex ??= new Map(b.interactions.map(([iid], n) => [iid, n]));
    const n = interactionIndex.get(id)!;
    const [, length, check] = b.interactions[n]!;
    const part = `interaction '${id}'`;
    return record(m.interaction, interactionMakers, segment(interactionStarts[n]!, length, check, part) as ActorRecord, part) as InteractionSnapshot;
  });
  const interactionRecord = buildStepRecord<InteractionSnapshot>();
  for (const [id] of b.interactions) interactionRecord.defer(id, interactionGroup);
  const interactions = interactionRecord.done();

  const stepMakers = makers(m.step, b.states.step);
  const shapes = b.shapes.map((fields) => {
    const keys = fields.map(([k]) => k);
    // where a literal `step` sits in a row, when the shape does not derive it
    const literal = fields.filter(([, derived]) => derived === 0).map(([k]) => k);
    return {
      keys,
      derive: fields.map(([k, kind]) => (kind === 0 ? 0 : kind === 2 ? 4 : k === 'interactionId' ? 1 : k === 'planId' ? 2 : 3)),
      stepAt: literal.includes('step') ? 3 + literal.indexOf('step') : -1,
    };
  });
  const steps = buildStepRecord<StepSnapshot>();
  for (const run of b.steps) {
    const iid = run[0] as string | null;
    const planId = run[1] as string | null;
    const start = offset;
    const length = run[2] as number;
    const check = run[3] as number;
    offset += length;
    const count = run.length - 4;
    const part = iid === null ? 'a run of verbatim steps' : `the steps of interaction '${iid}' plan '${planId}'`;
    const keyOf = (name: StepName): string | undefined =>
      typeof name === 'string' ? (iid !== null && typeof planId === 'string' ? stepKey(iid, planId, name) : undefined) : Array.isArray(name) && typeof name[0] === 'string' ? name[0] : undefined;
    let rows: unknown[] | undefined;
    let rowOf: Map<string, number> | undefined;
    let specs: readonly unknown[] | undefined;
    // a step's snapshot is made when its key is first read; the run's segment is parsed then, once
    const group = new DeferredGroup<StepSnapshot>((key) => {
      if (rows === undefined) {
        const parsed = segment(start, length, check, part);
        if (!Array.isArray(parsed) || parsed.length !== count) throw corrupt(part, `is not ${count} rows`);
        rows = parsed;
        rowOf = new Map();
        for (let n = 4; n < run.length; n++) rowOf.set(keyOf(run[n] as StepName)!, n - 4);
      }
      const r = rowOf!.get(key)!;
      const row = rows[r] as StepRow | null;
      if (row === null || typeof row !== 'object') throw corrupt(part, `has no row ${r}`);
      if (!Array.isArray(row)) return restoreSnapshot(m.step, row.p);
      const shape = shapes[row[1] as number];
      const maker = stepMakers[row[0] as number];
      if (shape === undefined || maker === undefined) throw corrupt(part, `row ${r} names no shape or state of the entry`);
      let step: unknown;
      if ((row[2] as number) >= 0) {
        specs ??= planSteps({ interactions }, iid!, planId!);
        step = specs?.[row[2] as number];
        if (step === undefined) throw corrupt(part, `row ${r} names step ${String(row[2])} of a plan its interaction does not hold`);
      } else if (shape.stepAt >= 0) step = row[shape.stepAt];
      const context: Record<string, unknown> = {};
      let i = 3;
      for (let f = 0; f < shape.keys.length; f++) {
        const d = shape.derive[f];
        context[shape.keys[f]!] = d === 0 ? row[i++] : d === 1 ? iid : d === 2 ? planId : d === 3 ? step : undefined;
      }
      return maker(context) as StepSnapshot;
    });
    for (let n = 4; n < run.length; n++) {
      const key = keyOf(run[n] as StepName);
      if (key === undefined) return undefined; // a name this encoder does not write
      steps.defer(key, group);
    }
  }
  return { threadId: b.threadId, revision: BigInt(b.revision), thread, interactions, steps: steps.done() };
}
