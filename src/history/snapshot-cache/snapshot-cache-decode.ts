/**
 * Decoding a snapshot cache entry of format 5 (layout: snapshot-cache-format.ts): the thread at
 * once, the interactions and steps on first read, from the entry's UTF-8 bytes (only the body line
 * and the segments read are decoded to text).
 */
import type { AnyStateMachine } from 'xstate';
import { reviveInteractionContext } from '../../../machines/interaction-revive.ts';
import { rememberAccumulatorV2 } from '../fold/state-hash.ts';
import { buildStepRecord } from '../fold/step-table.ts';
import { defaultMachines, stepKey, type FoldOptions, type InteractionSnapshot, type StepSnapshot, type ThreadState } from '../fold/thread-state.ts';
import { instantiate, restoreSnapshot, templateFor } from '../fold/xstate-adapter.ts';
import { SnapshotEntryCorruptError, SnapshotMachineMismatchError } from './snapshot-cache-errors.ts';
import { PREFIX, PackedValueError, accFromText, checksum, planSteps, setKey, unpackValue, type ActorRecord, type Body, type StateKey, type StepName, type StepRow } from './snapshot-cache-layout.ts';
import { machineDefinitionHash, revivedInteraction, type PersistedMachineSnapshot } from './snapshot-cache-machines.ts';

const PREFIX_BYTES = Buffer.from(PREFIX, 'latin1');
const NEWLINE = 0x0a;

/** `JSON.parse(json)`, or undefined when it is not JSON. */
function parseOr(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

const isIndex = (n: unknown, length: number): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) < length;

/** The body's fields the decoder walks before reading any segment have their types (the rest is covered by the checksum). */
function isBody(b: unknown): b is Body {
  if (b === null || typeof b !== 'object') return false;
  const { threadId, revision, states, shapes, keys, names, interactions, steps, hashAccV2 } = b as Partial<Body>;
  return (
    typeof threadId === 'string' &&
    (hashAccV2 === undefined || accFromText(hashAccV2) !== undefined) &&
    typeof revision === 'string' &&
    /^-?\d+$/.test(revision) &&
    states !== null &&
    typeof states === 'object' &&
    [states.thread, states.interaction, states.step, shapes, keys, names, interactions, steps].every(Array.isArray) &&
    names!.every(Array.isArray) &&
    interactions!.every((i) => Array.isArray(i) && typeof i[0] === 'string' && Number.isInteger(i[1]) && i[1] >= 0 && typeof i[2] === 'number') &&
    steps!.every(
      (r) =>
        Array.isArray(r) &&
        (r[0] === null || typeof r[0] === 'string' || isIndex(r[0], interactions!.length)) &&
        (r[1] === null || typeof r[1] === 'string') &&
        Number.isInteger(r[2]) &&
        r[2] >= 0 &&
        typeof r[3] === 'number' &&
        isIndex(r[4], names!.length),
    )
  );
}

/** The entry's bytes: a text's UTF-8 encoding, a Buffer as is. */
function bytesOf(entry: string | Uint8Array): Buffer {
  if (typeof entry === 'string') return Buffer.from(entry, 'utf8');
  return Buffer.isBuffer(entry) ? entry : Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength);
}

/**
 * Rebuilds the ThreadState of an entry written by `encodeThreadState` with `options.machines`: its
 * text, or that text's UTF-8 bytes (as the SQLite cache reads it: no string of the whole entry is
 * made); its interactions and steps are made on first read (see snapshot-cache-format.ts). When the
 * entry holds the state's version-2 hash accumulator (`hashAccV2`), it is remembered for the result
 * (`rememberAccumulatorV2`): hashing it, or a state folded from it, digests only the actors changed.
 * Returns undefined when the entry is not a readable one of this format (another format version,
 * truncated, a line that does not parse or does not match its checksum, a `hashAccV2` that is not
 * 32 lowercase hex digits): a cache miss.
 * @throws SnapshotMachineMismatchError the entry was written by other machine code.
 * Reading an interaction or a step of the result throws SnapshotEntryCorruptError when its part of
 * the entry was changed after it was written.
 */
export function decodeThreadState(entry: string | Uint8Array, options: FoldOptions = {}): ThreadState | undefined {
  const bytes = bytesOf(entry);
  if (bytes.length < PREFIX_BYTES.length || bytes.compare(PREFIX_BYTES, 0, PREFIX_BYTES.length, 0, PREFIX_BYTES.length) !== 0) return undefined;
  const headEnd = bytes.indexOf(NEWLINE);
  const bodyEnd = headEnd < 0 ? -1 : bytes.indexOf(NEWLINE, headEnd + 1);
  if (bodyEnd < 0) return undefined;
  const head = parseOr(bytes.toString('latin1', 0, headEnd)) as { actorRefs?: unknown; check?: unknown } | null | undefined;
  if (head?.check !== checksum(bytes, headEnd + 1, bodyEnd)) return undefined;
  const b = parseOr(bytes.toString('utf8', headEnd + 1, bodyEnd));
  if (!isBody(b)) return undefined;
  let end = bodyEnd + 1;
  for (const i of b.interactions) end += i[1];
  for (const r of b.steps) end += r[2];
  if (end !== bytes.length) return undefined;
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
  /** The value of the segment `bytes[start, start + length)`, checked against `check`. */
  const segment = (start: number, length: number, check: number, part: string): unknown => {
    if (checksum(bytes, start, start + length) !== check) throw corrupt(part, 'does not match its checksum');
    const value = parseOr(bytes.toString('utf8', start, start + length));
    if (value === undefined) throw corrupt(part, 'is not JSON');
    return value;
  };
  const unpack = (packed: unknown, part: string): unknown => {
    try {
      return unpackValue(packed, b.keys);
    } catch (err) {
      if (err instanceof PackedValueError) throw corrupt(part, err.message);
      throw err;
    }
  };
  /** The context of a thread's or interaction's record `[state, shape, ...values]`. */
  const contextOf = (rec: unknown[], part: string): unknown => {
    if (rec[1] === -1) return unpack(rec[2], part);
    const shape = b.shapes[rec[1] as number];
    if (shape === undefined) throw corrupt(part, `names no shape of the entry (${String(rec[1])})`);
    const context: Record<string, unknown> = {};
    let i = 2;
    for (const [k, kind] of shape) setKey(context, k, kind === 0 ? unpack(rec[i++], part) : undefined);
    if (i !== rec.length) throw corrupt(part, `has ${rec.length - 2} values, its shape ${i - 2}`);
    return context;
  };
  const record = (machine: AnyStateMachine, make: Array<(context: unknown) => unknown>, rec: ActorRecord, part: string): unknown => {
    if (Array.isArray(rec)) {
      const maker = make[rec[0] as number];
      if (maker === undefined) throw corrupt(part, `names no state of the entry (${String(rec[0])})`);
      const context = contextOf(rec, part);
      return maker(machine === m.interaction ? reviveInteractionContext(context) : context);
    }
    if (rec === null || typeof rec !== 'object') throw corrupt(part, 'is not an actor record');
    return restoreSnapshot(machine, machine === m.interaction ? revivedInteraction(rec) : rec);
  };
  const thread = record(m.thread, makers(m.thread, b.states.thread), b.thread, 'the thread') as ThreadState['thread'];

  const interactionMakers = makers(m.interaction, b.states.interaction);
  const interactionStarts = new Array<number>(b.interactions.length);
  let offset = bodyEnd + 1;
  for (let n = 0; n < b.interactions.length; n++) {
    interactionStarts[n] = offset;
    offset += b.interactions[n]![1];
  }
  const madeInteractions = new Array<InteractionSnapshot | undefined>(b.interactions.length);
  let interactionIds: string[] | undefined;
  let interactionIndex: Map<string, number> | undefined;
  const interactionAt = (id: string): number | undefined => {
    if (interactionIndex === undefined) {
      interactionIndex = new Map();
      for (let n = 0; n < b.interactions.length; n++) interactionIndex.set(b.interactions[n]![0], n);
    }
    return interactionIndex.get(id);
  };
  // an interaction's snapshot is made when its id is first read: a fold touches few
  const interactions = buildStepRecord<InteractionSnapshot>({
    get(id) {
      const n = interactionAt(id);
      if (n === undefined) return undefined;
      let made = madeInteractions[n];
      if (made === undefined) {
        const [, length, check] = b.interactions[n]!;
        const part = `interaction '${id}'`;
        made = madeInteractions[n] = record(m.interaction, interactionMakers, segment(interactionStarts[n]!, length, check, part) as ActorRecord, part) as InteractionSnapshot;
      }
      return made;
    },
    has: (id) => interactionAt(id) !== undefined,
    keys: () => (interactionIds ??= b.interactions.map((i) => i[0])),
  }).done();

  const stepMakers = makers(m.step, b.states.step);
  // per shape, per key: 0 literal, 1 interactionId, 2 planId, 3 the plan's step, 4 undefined
  const derives = b.shapes.map((fields) => fields.map(([k, kind]) => (kind === 0 ? 0 : kind === 2 ? 4 : k === 'interactionId' ? 1 : k === 'planId' ? 2 : k === 'step' ? 3 : 4)));
  // per names list: 1 all step ids, 2 all `[key]`, 0 mixed or empty
  const nameKinds = b.names.map((list) =>
    list.length > 0 && list.every((n) => typeof n === 'string') ? 1 : list.length > 0 && list.every((n) => Array.isArray(n) && typeof n[0] === 'string') ? 2 : 0,
  );
  const runs = new Array<Run>(b.steps.length);
  for (let r = 0; r < b.steps.length; r++) {
    const head = b.steps[r]!;
    const at = head[0];
    const iid = typeof at === 'number' ? b.interactions[at]![0] : at;
    if (nameKinds[head[4]] !== (iid === null ? 2 : 1) || (iid === null) !== (head[1] === null)) return undefined; // not what this encoder writes
    runs[r] = { iid, planId: head[1], start: offset, length: head[2], check: head[3], names: b.names[head[4]]!, rows: undefined, made: undefined, rowOf: undefined, specs: undefined };
    offset += head[2];
  }
  const partOf = (run: Run): string => (run.iid === null ? 'a run of verbatim steps' : `the steps of interaction '${run.iid}' plan '${run.planId}'`);
  /** The snapshot of row `n` of `run` (its segment parsed on the first call). */
  const makeStep = (run: Run, n: number): StepSnapshot => {
    const part = partOf(run);
    if (run.rows === undefined) {
      const parsed = segment(run.start, run.length, run.check, part);
      if (!Array.isArray(parsed) || parsed.length !== run.names.length) throw corrupt(part, `is not ${run.names.length} rows`);
      run.rows = parsed;
      run.made = new Array<StepSnapshot | undefined>(parsed.length);
    }
    const row = run.rows[n] as StepRow | null;
    if (row === null || typeof row !== 'object') throw corrupt(part, `has no row ${n}`);
    if (!Array.isArray(row)) return restoreSnapshot(m.step, (row as { p: PersistedMachineSnapshot }).p);
    const shape = b.shapes[row[1] as number];
    const derive = derives[row[1] as number];
    const maker = stepMakers[row[0] as number];
    if (shape === undefined || derive === undefined || maker === undefined) throw corrupt(part, `row ${n} names no shape or state of the entry`);
    let step: unknown;
    if ((row[2] as number) >= 0) {
      run.specs ??= planSteps(interactions, run.iid!, run.planId!);
      step = run.specs?.[row[2] as number];
      if (step === undefined) throw corrupt(part, `row ${n} names step ${String(row[2])} of a plan its interaction does not hold`);
    }
    const context: Record<string, unknown> = {};
    let i = 3;
    for (let f = 0; f < shape.length; f++) {
      const d = derive[f];
      if (d === 3 && step === undefined) throw corrupt(part, `row ${n} derives its step but names none`);
      setKey(context, shape[f]![0], d === 0 ? unpack(row[i++], part) : d === 1 ? run.iid : d === 2 ? run.planId : d === 3 ? step : undefined);
    }
    if (i !== row.length) throw corrupt(part, `row ${n} has ${row.length - 3} values, its shape ${i - 3}`);
    return maker(context) as StepSnapshot;
  };
  const locate = stepLocator(runs);
  let stepKeys: string[] | undefined;
  // a step's snapshot is made when its key is first read; its run's segment is parsed then, once
  const steps = buildStepRecord<StepSnapshot>({
    get(key) {
      const at = locate(key);
      if (at === undefined) return undefined;
      const run = runs[at[0]]!;
      let made = run.made?.[at[1]];
      if (made === undefined) {
        made = makeStep(run, at[1]); // parses the run's rows (and makes `run.made`) on the first call
        run.made![at[1]] = made;
      }
      return made;
    },
    has: (key) => locate(key) !== undefined,
    keys() {
      if (stepKeys === undefined) {
        stepKeys = [];
        for (const run of runs) for (const name of run.names) stepKeys.push(typeof name === 'string' ? stepKey(run.iid!, run.planId!, name) : name[0]);
      }
      return stepKeys;
    },
  }).done();
  const state: ThreadState = { threadId: b.threadId, revision: BigInt(b.revision), thread, interactions, steps };
  if (b.hashAccV2 !== undefined) rememberAccumulatorV2(state, accFromText(b.hashAccV2)!); // checked by isBody, under the body's checksum
  return state;
}

/** A run of step rows of a decoded entry, its rows parsed and its snapshots made on first read. */
interface Run {
  iid: string | null;
  planId: string | null;
  start: number;
  length: number;
  check: number;
  names: StepName[];
  rows: unknown[] | undefined;
  made: Array<StepSnapshot | undefined> | undefined;
  /** Row by step id, for a run of many rows (made on first use). */
  rowOf: Map<string, number> | undefined;
  specs: readonly unknown[] | undefined;
}

/**
 * `key` → `[run, row]` over `runs` (indexes built on the first call): a `[key]` name by its key; a
 * step id by the runs of its `(interactionId, planId)`, trying each way the key splits at two of its
 * `/` (ids may hold `/`; the state has one step per key, so one split names a row). Runs are found by
 * `<interactionId length>:<interactionId>/<planId>`, a prefix of the key after the length: one map,
 * no string made per run beyond that.
 */
function stepLocator(runs: readonly Run[]): (key: string) => [number, number] | undefined {
  let byPlan: Map<string, number | number[]> | undefined;
  let verbatim: Map<string, [number, number]> | undefined;
  const rowIn = (run: Run, stepId: string): number => {
    if (run.names.length <= 32) return run.names.indexOf(stepId);
    if (run.rowOf === undefined) {
      run.rowOf = new Map();
      for (let n = run.names.length - 1; n >= 0; n--) run.rowOf.set(run.names[n] as string, n);
    }
    return run.rowOf.get(stepId) ?? -1;
  };
  const index = (): Map<string, number | number[]> => {
    const map = new Map<string, number | number[]>();
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (run.iid === null) {
        verbatim ??= new Map();
        for (let n = 0; n < run.names.length; n++) verbatim.set((run.names[n] as [string])[0], [r, n]);
        continue;
      }
      const id = `${run.iid.length}:${run.iid}/${run.planId!}`;
      const known = map.get(id);
      map.set(id, known === undefined ? r : typeof known === 'number' ? [known, r] : [...known, r]);
    }
    return map;
  };
  return (key) => {
    byPlan ??= index();
    const v = verbatim?.get(key);
    if (v !== undefined) return v;
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      for (let j = key.indexOf('/', i + 1); j >= 0; j = key.indexOf('/', j + 1)) {
        const found = byPlan.get(`${i}:${key.slice(0, j)}`);
        if (found === undefined) continue;
        const stepId = key.slice(j + 1);
        for (const r of typeof found === 'number' ? [found] : found) {
          const n = rowIn(runs[r]!, stepId);
          if (n >= 0) return [r, n];
        }
      }
    }
    return undefined;
  };
}
