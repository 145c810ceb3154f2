/**
 * What the snapshot cache entry's encoder (snapshot-cache-format.ts) and decoder
 * (snapshot-cache-decode.ts) share: the entry's layout types, the checksum over its UTF-8 bytes, and
 * the packed form of JSON values (objects as a key-list index and their values, see `packValue`).
 */
import type { PersistedMachineSnapshot } from './snapshot-cache-machines.ts';

/** The entry format version `encodeThreadState` writes and `decodeThreadState` reads. */
export const SNAPSHOT_FORMAT = 5;

/** How every entry of this format starts. */
export const PREFIX = `{"format":${SNAPSHOT_FORMAT},`;

/** The marker of a persisted actor reference in a context. */
export const ACTOR_REF_MARKER = 'xstate$$type';

/** `{status, value, historyValue?, output?, error?}` of a persisted snapshot: one entry of a state table. */
export type StateKey = { status: string; value: unknown; historyValue?: unknown; output?: unknown; error?: unknown };

/** How a context key is written in a record: its packed value next in the record (0), derived (1, steps only) or `undefined` (2). */
export type FieldKind = 0 | 1 | 2;

/**
 * A thread's or interaction's record: `[stateIndex, shapeIndex, ...packed values]`, or for a
 * snapshot with children its persisted snapshot verbatim (an object).
 */
export type ActorRecord = unknown[] | PersistedMachineSnapshot;

/** A step row: `[stateIndex, shapeIndex, stepIndex, ...packed values]`, or `{k: key, p: persistedSnapshot}`. */
export type StepRow = unknown[] | { k: string; p: PersistedMachineSnapshot };

/** A run's name of a row: its step id, or `[key]` for a row `{k, p}`. */
export type StepName = string | [string];

/**
 * A run of steps in the body: `[interaction, planId, length, checksum, namesIndex]`; `interaction` is
 * the index of the run's interaction in `interactions` (or its id, when the state has no such
 * interaction); both are null for a run of rows `{k, p}`.
 */
export type RunHead = [number | string | null, string | null, number, number, number];

/** The body line of an entry. */
export interface Body {
  threadId: string;
  revision: string;
  machineHash: string;
  states: { thread: StateKey[]; interaction: StateKey[]; step: StateKey[] };
  /** Context shapes: each key of a context in order, with how it is written. */
  shapes: Array<Array<[string, FieldKind]>>;
  /** Key lists of the packed objects inside contexts (`packValue`). */
  keys: string[][];
  /** Step name lists of runs (many runs name the same step ids). */
  names: StepName[][];
  thread: ActorRecord;
  /** `[interactionId, segment length, segment checksum]` (bytes). */
  interactions: Array<[string, number, number]>;
  steps: RunHead[];
  /**
   * The state's version-2 hash accumulator (state-hash.ts) as 32 lowercase hex digits (`accText`),
   * when it was known at save; absent in entries written without it (and before it existed).
   */
  hashAccV2?: string;
}

/** A version-2 state accumulator (4 words) as 32 lowercase hex digits: each word unsigned, 8 digits, in order. */
export function accText(acc: Int32Array): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += (acc[i]! >>> 0).toString(16).padStart(8, '0');
  return out;
}

/** The accumulator of an `accText` text, or undefined when `text` is not 32 lowercase hex digits. */
export function accFromText(text: unknown): Int32Array | undefined {
  if (typeof text !== 'string' || !/^[0-9a-f]{32}$/.test(text)) return undefined;
  const acc = new Int32Array(4);
  for (let i = 0; i < 4; i++) acc[i] = Number.parseInt(text.slice(8 * i, 8 * i + 8), 16) | 0;
  return acc;
}

/** 32-bit FNV-1a of the bytes `bytes[from, to)`. */
export function checksum(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Indexes distinct values by a string key. */
export function table<T>(): { list: T[]; index(key: string, value: T): number } {
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

/** Marks a value JSON leaves out (`undefined`, a function, a symbol). */
const OMIT: unique symbol = Symbol('omit');

/** `v` as `JSON.stringify` sees it under `key` (after `toJSON`), or OMIT when JSON leaves it out. */
function jsonValue(v: unknown, key: string): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(k: string): unknown }).toJSON(key);
  return v === undefined || typeof v === 'function' || typeof v === 'symbol' ? OMIT : v;
}

/**
 * The packed form of a JSON value (as `JSON.stringify(v)` would write it, `toJSON` applied, keys
 * holding `undefined` left out): a primitive is itself; an array is
 * `[0, ...packed items]`; an object is `[1 + keysIndex, ...packed values]`, its key list in `keys`.
 * So an object's keys are written once per distinct list, not in every object. `unpackValue`
 * rebuilds the value `JSON.parse(JSON.stringify(v))` gives (key order included).
 */
export function packValue(v: unknown, keys: ReturnType<typeof table<string[]>>, key = ''): unknown {
  const x = jsonValue(v, key);
  if (x === OMIT) return null; // in an array (an object leaves the key out before this)
  if (x === null || typeof x !== 'object') return x; // a non-finite number: its JSON is null, as the value's
  if (Array.isArray(x)) {
    const out: unknown[] = [0];
    for (let i = 0; i < x.length; i++) out.push(packValue(x[i], keys, String(i)));
    return out;
  }
  const names: string[] = [];
  const out: unknown[] = [0];
  for (const k of Object.keys(x)) {
    const item = jsonValue((x as Record<string, unknown>)[k], k);
    if (item === OMIT) continue;
    names.push(k);
    out.push(packValue(item, keys, k));
  }
  out[0] = 1 + keys.index(JSON.stringify(names), names);
  return out;
}

/** Thrown by `unpackValue` for a value that is not a packed one of these key lists. */
export class PackedValueError extends Error {}

/**
 * The value `packed` (parsed from a `packValue` JSON) stands for. An array of `packed` is reused for
 * the array it stands for.
 * @throws PackedValueError `packed` names no key list of `keys`, or not as many values as its list.
 */
export function unpackValue(packed: unknown, keys: readonly (readonly string[])[]): unknown {
  if (packed === null || typeof packed !== 'object') return packed;
  if (!Array.isArray(packed) || packed.length === 0) throw new PackedValueError('a packed value is not an array with a tag');
  const tag = packed[0] as unknown;
  if (tag === 0) {
    for (let i = 1; i < packed.length; i++) packed[i - 1] = unpackValue(packed[i], keys);
    packed.length -= 1;
    return packed;
  }
  const names = typeof tag === 'number' ? keys[tag - 1] : undefined;
  if (names === undefined || names.length !== packed.length - 1) throw new PackedValueError(`a packed object names no key list of ${packed.length - 1} keys (${String(tag)})`);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) setKey(out, names[i]!, unpackValue(packed[i + 1], keys));
  return out;
}

/** `o[k] = v` as JSON.parse sets it: an own property even for `__proto__`. */
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** The plan steps of `interactionId`'s plan `planId` in `interactions`, or undefined when the context has no such plan. */
export function planSteps(interactions: Readonly<Record<string, { context: unknown } | undefined>>, interactionId: string, planId: string): readonly unknown[] | undefined {
  const plans = (interactions[interactionId]?.context as { plans?: unknown } | undefined)?.plans;
  if (!Array.isArray(plans)) return undefined;
  for (const entry of plans as Array<{ planId?: unknown; plan?: { steps?: unknown } }>) {
    if (entry?.planId === planId && Array.isArray(entry.plan?.steps)) return entry.plan.steps as unknown[];
  }
  return undefined;
}
