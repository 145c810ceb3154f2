/**
 * The snapshot cache's entry format (version 5): a ThreadState as UTF-8 bytes whose actors are read
 * only when first used. The plain persisted snapshots (`serializeThreadState`) repeat the same xstate
 * boilerplate and step specs in every step (13.8 MB for a 100k-fact thread of 25 000 steps) and
 * restore every actor. Format 4 (6.7 MB there) wrote every object of a context with its keys and was
 * read as a JS string (UTF-8 decoded in full, ~20 ms for 6.7 MB, then garbage); format 5 writes a
 * context's objects as key-list indexes and values (4.1 MB there) and is read as bytes: only the body
 * line and the segments a fold reads are decoded.
 *
 * Entry: two lines, then the segments (a JSON text has no raw newline):
 * `{"format":5,"actorRefs":<bool>,"check":<checksum of the body line>}` `\n` `<Body JSON>` `\n`
 * `<segments>`. The segments are JSON texts, concatenated: one per interaction (in the order of the
 * body's `interactions`), then one per run of steps (in the order of `steps`); the body gives each
 * one's length and checksum, in bytes of the UTF-8 entry (32-bit FNV-1a: any one byte changed changes
 * it). `actorRefs`: the entry holds an `xstate$$type` marker (a persisted actor reference). Body:
 * - `states`: per machine, a table of the distinct `{status, value, historyValue, output?, error?}`
 *   of its snapshots; a record names its state by index.
 * - `shapes`: context shapes, each key of a context in order with its kind: `0` its value is next in
 *   the record, `1` derived (steps only: `interactionId` and `planId` from the run, `step` = the run
 *   plan's step `stepIndex`, the very object the interaction holds, as after a fold), `2` it holds
 *   `undefined` (JSON would leave it out; the restored context has it, in its place, so a later write
 *   keeps that place, as in the fold).
 * - values in records are packed (`packValue`, snapshot-cache-layout.ts): an object is
 *   `[1 + keysIndex, ...values]` with its key list in the body's `keys`, an array `[0, ...items]`,
 *   so a plan step's or an observation's keys are written once per entry, not once per object.
 *   Below a context's own keys, keys holding `undefined` are left out (as JSON does).
 * - a thread's or interaction's record is `[stateIndex, shapeIndex, ...values]`, or, for a snapshot
 *   with children, its persisted snapshot verbatim (an object). `thread` is the thread's.
 * - `interactions`: `[interactionId, length, checksum]` per interaction, in the state's key order;
 *   its segment is its record.
 * - `steps`: runs of one `(interactionId, planId)`, in the state's key order: `[interaction, planId,
 *   length, checksum, namesIndex]`, `interaction` the index of the interaction in `interactions`
 *   (its id when the state has none of that id), `names[namesIndex]` the run's step ids in order
 *   (runs of plans with the same step ids share the list); the run's segment is the array of its rows,
 *   one per name: `[stateIndex, shapeIndex, stepIndex, ...values]`, named by its step's id (key
 *   `stepKey(interactionId, planId, stepId)`). A step that does not fit (children, or a key that is
 *   not that) is a row `{k: key, p: persistedSnapshot}` named `[key]`, in a run of those alone
 *   (interaction and planId null).
 * - `hashAccV2` (optional): the state's version-2 hash accumulator (state-hash.ts; 16 bytes as 32 hex
 *   digits), written when the encoder knows it without digesting every actor (the runtime saves
 *   states it hashed after its last append). The decoder remembers it for the decoded state, so the
 *   first state hash after a load (the next append's `snapshotHash`) digests only the actors that
 *   append changes, and the entry's unread actors stay unmade; without it that hash digests, and so
 *   makes, every actor. It lies in the body, so the body's checksum covers it (a changed digit: the
 *   entry is a miss, never a wrong hash); a body whose `hashAccV2` is not 32 lowercase hex digits is
 *   a miss too. The field is optional rather than a new format version: entries of format 5 written
 *   without it (before it existed, or of states never hashed) stay usable and hash as before (every
 *   actor on the first hash), and a decoder that predates the field ignores it.
 *
 * Decoding (snapshot-cache-decode.ts) checks and parses the two lines and restores the thread; the
 * interactions and the steps are records of step-table.ts built over a `RecordBase` answered by the
 * entry (no work per key at decode; a step key is found through its run's interaction and plan),
 * whose values are made on first read: an interaction from its segment, a step from its run's
 * segment (parsed once per run) and, for its spec, its interaction (made then if not yet: the step
 * holds the plan's own step object, as after a fold; same contexts and state templates as an eager
 * restore). The fold derives the next records from those (route-fact.ts), so a fold from the entry
 * parses and makes only the actors its facts touch; anything reading every actor (hashing, encoding,
 * listing the keys with `Object.keys`) makes them all (`recordKeys` lists them without). Until then
 * the entry's bytes are kept.
 *
 * Bad entries: one that does not start as format 5 decodes to `undefined`, a cache miss (the cache
 * writes a new entry): entries of formats 1–4, written before this one, are not read (no migration).
 * So does one whose lines do not parse, whose body does not match its checksum, or whose length is
 * not that of its parts (a truncated entry). A segment that does not match its checksum, does not
 * parse or does not fit the body throws SnapshotEntryCorruptError (naming the thread, the revision
 * and the part) when an actor made from it is first read: never a wrong snapshot.
 */
import type { AnyStateMachine } from 'xstate';
import { knownAccumulatorV2 } from '../fold/state-hash.ts';
import { defaultMachines, stepKey, type FoldOptions, type ThreadState } from '../fold/thread-state.ts';
import { ACTOR_REF_MARKER, PREFIX, accText, checksum, packValue, planSteps, table, type ActorRecord, type Body, type FieldKind, type RunHead, type StateKey, type StepName, type StepRow } from './snapshot-cache-layout.ts';
import { machineDefinitionHash, type PersistedMachineSnapshot } from './snapshot-cache-machines.ts';

export { decodeThreadState } from './snapshot-cache-decode.ts';
export { isSnapshotEntryCorruptError, isSnapshotMachineMismatchError, SnapshotEntryCorruptError, SnapshotMachineMismatchError } from './snapshot-cache-errors.ts';
export { SNAPSHOT_FORMAT } from './snapshot-cache-layout.ts';

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

/**
 * Encodes `state` as an entry of format 5 (see module doc), folded by `options.machines`: the text,
 * whose UTF-8 bytes are the entry (`decodeThreadState` takes either). Makes every actor of a state
 * decoded from an entry. Writes `hashAccV2` when `state`'s version-2 hash accumulator is known
 * (`knownAccumulatorV2`: it was hashed, or folded from a hashed state; the actors changed since are
 * digested then), never digesting every actor for it. Throws only what xstate's
 * `getPersistedSnapshot` (or digesting a changed actor) throws.
 */
export function encodeThreadState(state: ThreadState, options: FoldOptions = {}): string {
  const m = options.machines ?? defaultMachines;
  const states = { thread: table<StateKey>(), interaction: table<StateKey>(), step: table<StateKey>() };
  const shapes = table<Array<[string, FieldKind]>>();
  const keys = table<string[]>();
  const names = table<StepName[]>();
  /** `[state, shape, ...values]` of a context (a context that is not an object: shape -1, the value). */
  const record = (si: number, context: unknown): unknown[] => {
    if (context === null || typeof context !== 'object') return [si, -1, packValue(context, keys)];
    const fields: Array<[string, FieldKind]> = [];
    const row: unknown[] = [si, 0];
    for (const k of Object.keys(context)) {
      const v = (context as Record<string, unknown>)[k];
      if (v === undefined) fields.push([k, 2]);
      else if (typeof v !== 'function' && typeof v !== 'symbol') {
        fields.push([k, 0]);
        row.push(packValue(v, keys, k));
      }
    }
    row[1] = shapes.index(JSON.stringify(fields), fields);
    return row;
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
  /** Appends `value`'s JSON as the next segment: its [length, checksum] in UTF-8 bytes. */
  const segment = (value: unknown): [number, number] => {
    const json = JSON.stringify(value);
    segments.push(json);
    const bytes = Buffer.from(json, 'utf8');
    return [bytes.length, checksum(bytes)];
  };
  const thread = actorRecord(actor(m.thread, states.thread, state.thread));
  const interactions: Body['interactions'] = [];
  const interactionIndex = new Map<string, number>();
  for (const [id, snap] of Object.entries(state.interactions)) {
    interactionIndex.set(id, interactions.length);
    interactions.push([id, ...segment(actorRecord(actor(m.interaction, states.interaction, snap)))]);
  }

  const runs: Array<{ head: RunHead; names: StepName[]; rows: StepRow[] }> = [];
  let run: (typeof runs)[number] | undefined;
  let runIid: string | null = null;
  let specs: readonly unknown[] | undefined;
  for (const [key, snap] of Object.entries(state.steps)) {
    const { p, state: si } = actor(m.step, states.step, snap);
    const c = p.context as Record<string, unknown> | null;
    const iid = c?.interactionId;
    const planId = c?.planId;
    const step = c?.step as { id?: unknown } | undefined;
    if (si < 0 || typeof iid !== 'string' || typeof planId !== 'string' || typeof step?.id !== 'string' || key !== stepKey(iid, planId, step.id)) {
      if (run === undefined || run.head[0] !== null) {
        runs.push((run = { head: [null, null, 0, 0, 0], names: [], rows: [] }));
        runIid = null;
      }
      run.names.push([key]);
      run.rows.push({ k: key, p });
      continue;
    }
    if (run === undefined || runIid !== iid || run.head[1] !== planId) {
      runs.push((run = { head: [interactionIndex.get(iid) ?? iid, planId, 0, 0, 0], names: [], rows: [] }));
      runIid = iid;
      specs = planSteps(state.interactions, iid, planId);
    }
    const stepIndex = specs ? specs.indexOf(step) : -1;
    const fields: Array<[string, FieldKind]> = [];
    const row: unknown[] = [si, 0, stepIndex];
    for (const k of Object.keys(c!)) {
      const v = c![k];
      if (v === undefined) {
        fields.push([k, 2]);
        continue;
      }
      if (typeof v === 'function' || typeof v === 'symbol') continue;
      const derived = k === 'interactionId' || k === 'planId' || (k === 'step' && stepIndex >= 0);
      fields.push([k, derived ? 1 : 0]);
      if (!derived) row.push(packValue(v, keys, k));
    }
    row[1] = shapes.index(JSON.stringify(fields), fields);
    run.names.push(step.id);
    run.rows.push(row);
  }
  for (const r of runs) {
    [r.head[2], r.head[3]] = segment(r.rows);
    r.head[4] = names.index(JSON.stringify(r.names), r.names);
  }
  const body: Body = {
    threadId: state.threadId,
    revision: state.revision.toString(),
    machineHash: machineDefinitionHash(m),
    states: { thread: states.thread.list, interaction: states.interaction.list, step: states.step.list },
    shapes: shapes.list,
    keys: keys.list,
    names: names.list,
    thread,
    interactions,
    steps: runs.map((r) => r.head),
  };
  const acc = knownAccumulatorV2(state);
  if (acc !== undefined) body.hashAccV2 = accText(acc);
  const bodyText = JSON.stringify(body);
  const tail = segments.join('');
  const actorRefs = bodyText.includes(ACTOR_REF_MARKER) || tail.includes(ACTOR_REF_MARKER);
  return `${PREFIX}"actorRefs":${actorRefs},"check":${checksum(Buffer.from(bodyText, 'utf8'))}}\n${bodyText}\n${tail}`;
}
