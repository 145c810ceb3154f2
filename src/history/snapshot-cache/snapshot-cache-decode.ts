/**
 * Decoding a snapshot cache entry of format 5 (layout: snapshot-cache-format.ts): the thread at
 * once, the interactions and steps on first read, from the entry's UTF-8 bytes (only the body line
 * and the segments read are decoded to text).
 */
import type { AnyStateMachine } from 'xstate';
import { reviveInteractionContext } from '../../../machines/interaction.machine.ts';
import { buildStepRecord, DeferredGroup } from '../fold/step-table.ts';
import { defaultMachines, stepKey, type FoldOptions, type InteractionSnapshot, type StepSnapshot, type ThreadState } from '../fold/thread-state.ts';
import { instantiate, restoreSnapshot, templateFor } from '../fold/xstate-adapter.ts';
import { SnapshotEntryCorruptError, SnapshotMachineMismatchError } from './snapshot-cache-errors.ts';
import { PREFIX, PackedValueError, checksum, planSteps, setKey, unpackValue, type ActorRecord, type Body, type StateKey, type StepName, type StepRow } from './snapshot-cache-layout.ts';
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
  const { threadId, revision, states, shapes, keys, names, interactions, steps } = b as Partial<Body>;
  return (
    typeof threadId === 'string' &&
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
 * made); its interactions and steps are made on first read (see snapshot-cache-format.ts).
 * Returns undefined when the entry is not a readable one of this format (another format version,
 * truncated, a line that does not parse or does not match its checksum): a cache miss.
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
  // per shape, per key: 0 literal, 1 interactionId, 2 planId, 3 the plan's step, 4 undefined
  const derives = b.shapes.map((fields) => fields.map(([k, kind]) => (kind === 0 ? 0 : kind === 2 ? 4 : k === 'interactionId' ? 1 : k === 'planId' ? 2 : k === 'step' ? 3 : 4)));
  const steps = buildStepRecord<StepSnapshot>();
  for (const [at, planId, length, check, namesIndex] of b.steps) {
    const iid = typeof at === 'number' ? b.interactions[at]![0] : at;
    const start = offset;
    offset += length;
    const names = b.names[namesIndex]!;
    const part = iid === null ? 'a run of verbatim steps' : `the steps of interaction '${iid}' plan '${planId}'`;
    const keyOf = (name: StepName): string | undefined =>
      typeof name === 'string' ? (iid !== null && planId !== null ? stepKey(iid, planId, name) : undefined) : Array.isArray(name) && typeof name[0] === 'string' ? name[0] : undefined;
    let rows: unknown[] | undefined;
    let rowOf: Map<string, number> | undefined;
    let specs: readonly unknown[] | undefined;
    // a step's snapshot is made when its key is first read; the run's segment is parsed then, once
    const group = new DeferredGroup<StepSnapshot>((key) => {
      if (rows === undefined) {
        const parsed = segment(start, length, check, part);
        if (!Array.isArray(parsed) || parsed.length !== names.length) throw corrupt(part, `is not ${names.length} rows`);
        rows = parsed;
        rowOf = new Map();
        for (let n = 0; n < names.length; n++) rowOf.set(keyOf(names[n]!)!, n);
      }
      const r = rowOf!.get(key)!;
      const row = rows[r] as StepRow | null;
      if (row === null || typeof row !== 'object') throw corrupt(part, `has no row ${r}`);
      if (!Array.isArray(row)) return restoreSnapshot(m.step, (row as { p: PersistedMachineSnapshot }).p);
      const shape = b.shapes[row[1] as number];
      const derive = derives[row[1] as number];
      const maker = stepMakers[row[0] as number];
      if (shape === undefined || derive === undefined || maker === undefined) throw corrupt(part, `row ${r} names no shape or state of the entry`);
      let step: unknown;
      if ((row[2] as number) >= 0) {
        specs ??= planSteps(interactions, iid!, planId!);
        step = specs?.[row[2] as number];
        if (step === undefined) throw corrupt(part, `row ${r} names step ${String(row[2])} of a plan its interaction does not hold`);
      }
      const context: Record<string, unknown> = {};
      let i = 3;
      for (let f = 0; f < shape.length; f++) {
        const d = derive[f];
        if (d === 3 && step === undefined) throw corrupt(part, `row ${r} derives its step but names none`);
        setKey(context, shape[f]![0], d === 0 ? unpack(row[i++], part) : d === 1 ? iid : d === 2 ? planId : d === 3 ? step : undefined);
      }
      if (i !== row.length) throw corrupt(part, `row ${r} has ${row.length - 3} values, its shape ${i - 3}`);
      return maker(context) as StepSnapshot;
    });
    for (const name of names) {
      const key = keyOf(name);
      if (key === undefined) return undefined; // a name this encoder does not write
      steps.defer(key, group);
    }
  }
  return { threadId: b.threadId, revision: BigInt(b.revision), thread, interactions, steps: steps.done() };
}
