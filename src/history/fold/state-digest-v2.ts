/**
 * Digests of actor snapshots for the version-2 state hash (state-hash.ts): the structure of version
 * 1 (state-digest.ts: one digest per actor, per-context-field digests memoised by identity, hash
 * chains for lists that grow by appends, XOR set-digests for large records) with a cheaper
 * definition: 128-bit MurmurHash3 streams (hash128.ts) fed by walking the values directly, no JSON
 * text and no sha256. Digests are `Int32Array`s of 4 words.
 *
 * What a value contributes is a function of its JSON content only, as for version 1: object keys in
 * sorted order, `undefined` properties and functions left out, `undefined` array items and
 * non-finite numbers as `null`, `-0` as `0`; an `AppendSeq` (src/core/append-seq.ts) exactly as the
 * plain array of its items, an `OrderedRecord` (src/core/ordered-record.ts) exactly as its plain
 * record. Every value is type-tagged and strings are length-prefixed, so the
 * encoding of a value is prefix-free (two different values never feed the same words). Same
 * exclusions as version 1: `UNHASHED_CONTEXT_KEYS`.
 *
 * Digest of a value `D(v)` (a context field that is an object, a list item, a large record's entry):
 * - a list (array or AppendSeq): a MurmurHash3 chain: a stream opened with a LIST block, each item
 *   one block (`D(item)`, or the 4-word hash of a primitive item's inline encoding). The lanes after the last item are kept, so a list extended by appends is hashed from
 *   its prefix (`hint`);
 * - an object of at least RECORD_ENTRIES included entries: the XOR over its entries of
 *   hash(ENTRY, key, field(value)), then hashed with RECORD and the entry count; given `hint`, only
 *   the entries that differ are hashed;
 * - any other object: hash(its inline encoding: OBJ, then key, value for each included key, END;
 *   nested objects and arrays inline the same way).
 * `field(v)`: a primitive's inline encoding, or DIGEST followed by `D(v)` as one block (zeros up
 * to the block boundary first, see `block` in hash128.ts).
 * An actor's digest: hash(ACTOR, key, the state value inline, then key, field(value) for each
 * hashed context field in key order, END).
 */
import { AppendSeq } from '../../core/append-seq.ts';
import { OrderedRecord } from '../../core/ordered-record.ts';
import { begin, block, finish, resetStreams, resume, text, word } from './hash128.ts';
import { UNHASHED_CONTEXT_KEYS, type ActorSnapshotLike } from './state-digest.ts';

// Type tags: the first word of every encoded value (and of the streams of each digest kind).
const NULL = 0x6e756c6c;
const FALSE = 0x66616c73;
const TRUE = 0x74727565;
const INT = 0x696e7433;
const FLOAT = 0x666c6f61;
const STRING = 0x73747269;
const BIGINT = 0x6269676e;
const ARRAY = 0x61727261;
const OBJECT = 0x6f626a65;
const END = 0x656e6421;
const DIGEST = 0x64696765;
const LIST = 0x6c697374;
const RECORD = 0x7265636f;
const ENTRY = 0x656e7472;
const ACTOR = 0x6163746f;
const STATE = 0x73746174;

/** A float's IEEE-754 bytes, read as two little-endian words whatever the platform's byte order. */
const f64 = new DataView(new ArrayBuffer(8));
/** Scratch for the hash of a primitive list item or of a record entry (read at once, never kept). */
const scratch = new Int32Array(4);
/** Scratch for the digest of a small object (see `valueDigest`). */
const smallScratch = new Int32Array(4);
/** Objects whose encoding is at most this many words are not memoised (see `valueDigest`). */
const SMALL_WORDS = 48;

/** Objects with at least this many included entries are digested as a set of entries (`recordDigest`). */
const RECORD_ENTRIES = 16;

/**
 * Digests by identity (snapshot data is never mutated): 4 words; lists and records 8, the digest then
 * the state it is continued from (a list's chain lanes, a record's entry XOR).
 */
const digests = new WeakMap<object, Int32Array>();
/**
 * Actor digests by snapshot: in a non-enumerable property of the snapshot (`ACTOR_DIGEST`), or here
 * for a snapshot that cannot take one (frozen, not extensible). The property, not this WeakMap, for
 * every snapshot the fold makes: a WeakMap insertion was the costliest line of an actor digest
 * (thousands of entries per plan, kept through young collections whatever their keys), where a
 * property added to a snapshot is a hidden-class transition shared by every snapshot of its shape,
 * and it dies with its snapshot. Not enumerable and keyed by a symbol: JSON, `Object.keys` and
 * structured clones of a snapshot do not see it.
 */
const actorDigests = new WeakMap<object, Int32Array>();
const ACTOR_DIGEST = Symbol('actorDigestV2');

function knownActorDigest(snap: object): Int32Array | undefined {
  const own = (snap as { [ACTOR_DIGEST]?: Int32Array })[ACTOR_DIGEST];
  return own !== undefined ? own : actorDigests.get(snap);
}

function rememberActorDigest(snap: object, d: Int32Array): void {
  if (Object.isExtensible(snap)) Object.defineProperty(snap, ACTOR_DIGEST, { value: d });
  else actorDigests.set(snap, d);
}

/** A list the digest chains: a plain array or an AppendSeq (digested as the array of its items). */
type List = readonly unknown[] | AppendSeq<unknown>;
const isList = (v: unknown): v is List => Array.isArray(v) || v instanceof AppendSeq;
const itemAt = (list: List, i: number): unknown => (list instanceof AppendSeq ? list.at(i) : list[i]);

/** Whether object property value `v` is part of the content (JSON keeps it). */
const included = (v: unknown): boolean => v !== undefined && typeof v !== 'function';

/**
 * The sorted key lists of the own-key lists seen, by their first key, with the list they sort: the
 * contexts of a machine share a few key lists, in the same order. Bounded (KEY_ORDERS first keys, 8
 * lists each).
 */
const keyOrders = new Map<string, Array<{ keys: readonly string[]; sorted: readonly string[] }>>();
const KEY_ORDERS = 1024;
const NO_KEYS: readonly string[] = [];

/**
 * `Object.keys(o)` in sorted order (not to be modified: it may be shared). A key list seen before is
 * recognised by walking `o`'s keys with `for…in` (no array made: this runs for every object an actor
 * digest encodes); a new one is read with `Object.keys`, sorted and remembered.
 */
function sortedKeys(o: object): readonly string[] {
  let first: string | undefined;
  for (const k in o) {
    first = k;
    break;
  }
  if (first === undefined) return NO_KEYS; // no enumerable key, own or inherited
  let seen = keyOrders.get(first);
  if (seen !== undefined) {
    for (const e of seen) if (hasKeys(o, e.keys)) return e.sorted;
  } else {
    if (keyOrders.size >= KEY_ORDERS) keyOrders.clear();
    seen = [];
    keyOrders.set(first, seen);
  }
  const keys = Object.keys(o);
  let i = 1;
  while (i < keys.length && keys[i - 1]! < keys[i]!) i++;
  const sorted = i >= keys.length ? keys : [...keys].sort();
  if (keys[0] === first) {
    // remembered under its first key only when `for…in` starts with an own key
    if (seen.length >= 8) seen.shift();
    seen.push({ keys, sorted });
  }
  return sorted;
}

/**
 * Whether `for…in` over `o` yields exactly `keys`, in order, each an own key: then `Object.keys(o)`
 * equals `keys` (both list the own enumerable string keys in the same order).
 */
function hasKeys(o: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (keys[i] !== k || !Object.hasOwn(o, k)) return false;
    i++;
  }
  return i === keys.length;
}

function encodeNumber(x: number): void {
  if ((x | 0) === x) {
    word(INT);
    word(x);
  } else if (Number.isFinite(x)) {
    word(FLOAT);
    f64.setFloat64(0, x, true);
    word(f64.getInt32(0, true));
    word(f64.getInt32(4, true));
  } else word(NULL);
}

/** Feeds the inline encoding of `v` (see the module doc) to the open stream. */
function encode(v: unknown): void {
  switch (typeof v) {
    case 'string':
      word(STRING);
      text(v);
      return;
    case 'number':
      encodeNumber(v);
      return;
    case 'boolean':
      word(v ? TRUE : FALSE);
      return;
    case 'bigint':
      word(BIGINT);
      text(v.toString());
      return;
    case 'object':
      if (v === null) word(NULL);
      else if (v instanceof OrderedRecord) encode(v.toRecord());
      else if (isList(v)) {
        word(ARRAY);
        for (let i = 0; i < v.length; i++) encode(itemAt(v, i));
        word(END);
      } else {
        word(OBJECT);
        const o = v as Record<string, unknown>;
        for (const k of sortedKeys(o)) {
          const x = o[k];
          if (!included(x)) continue;
          word(STRING);
          text(k);
          encode(x);
        }
        word(END);
      }
      return;
    default:
      word(NULL); // undefined (an array hole), a function, a symbol: JSON's null
  }
}

/**
 * Feeds `field(v)`: a primitive inline, an object as DIGEST and its digest (the hint, see
 * `valueDigest`: `hints[key]` when `hints` is given).
 */
function field(v: unknown, hints?: Record<string, unknown>, key?: string): void {
  if (v === null || typeof v !== 'object') {
    encode(v);
    return;
  }
  word(DIGEST);
  const hint = hints !== undefined && key !== undefined ? hints[key] : undefined;
  // the same object as in the actor's previous version: long-lived (a step's spec), so memoised even when small
  block(valueDigest(v, hint, hint === v), 0);
}

/**
 * `D(value)` (see the module doc) in words 0..3 of the result. `hint`: an earlier version of the same
 * field; when `value` is a list starting with the hint's items (same objects), its chain continues
 * from the hint's (O(items appended)); when both are large records, only the entries that differ are
 * hashed. Memoised by identity, except small objects (encoded in at most SMALL_WORDS words: cheaper
 * to hash again than to remember) unless `keep` (the caller knows the object is long-lived): their
 * digest is returned in a scratch array that the next digest overwrites, so the result must be read
 * at once and never modified.
 */
export function valueDigest(value: object, hint?: unknown, keep = false): Int32Array {
  if (value instanceof OrderedRecord) return valueDigest(value.toRecord(), hint instanceof OrderedRecord ? hint.toRecord() : hint);
  const known = digests.get(value);
  if (known !== undefined) return known;
  let d: Int32Array;
  if (isList(value)) d = listDigest(value, hint);
  else {
    const rec = value as Record<string, unknown>;
    const keys = atLeastKeys(rec, RECORD_ENTRIES) ? Object.keys(rec) : undefined;
    if (keys !== undefined && keys.length >= RECORD_ENTRIES && countIncluded(rec, keys) >= RECORD_ENTRIES) d = recordDigest(rec, keys, hint);
    else {
      begin();
      encode(rec);
      if (finish(smallScratch, 0) <= SMALL_WORDS && !keep) return smallScratch;
      d = smallScratch.slice();
    }
  }
  digests.set(value, d);
  return d;
}

/** Whether `for…in` over `rec` yields at least `n` keys (never fewer than its own enumerable keys; no array made). */
function atLeastKeys(rec: object, n: number): boolean {
  let count = 0;
  for (const _ in rec) if (++count >= n) return true;
  return false;
}

function countIncluded(rec: Record<string, unknown>, keys: readonly string[]): number {
  let n = 0;
  for (const k of keys) if (included(rec[k])) n++;
  return n;
}

/** Whether `list` starts with `prefix`'s items (same values, in order); O(1) for two versions of one AppendSeq. */
function startsWith(list: List, prefix: List): boolean {
  if (list instanceof AppendSeq) return list.startsWith(prefix);
  if (prefix.length > list.length) return false;
  for (let i = 0; i < prefix.length; i++) if (list[i] !== itemAt(prefix, i)) return false;
  return true;
}

/** The chain digest of `list` (words 0..3) and its lanes after the last item (4..7). */
function listDigest(list: List, hint: unknown): Int32Array {
  const d = new Int32Array(8);
  const base = isList(hint) ? digests.get(hint) : undefined;
  let from = 0;
  if (base !== undefined && startsWith(list, hint as List)) {
    from = (hint as List).length;
    resume(base, 4, 4 + 4 * from);
  } else {
    begin();
    word(LIST);
    word(0);
    word(0);
    word(0);
  }
  for (let i = from; i < list.length; i++) {
    const item = itemAt(list, i);
    if (item !== null && typeof item === 'object') block(valueDigest(item), 0);
    else {
      begin();
      encode(item);
      finish(scratch, 0);
      block(scratch, 0);
    }
  }
  finish(d, 0, d, 4);
  return d;
}

/** XORs hash(ENTRY, key, field(value)) into `sum[4..7]`. */
function toggleEntry(sum: Int32Array, key: string, value: unknown): void {
  begin();
  word(ENTRY);
  text(key);
  field(value);
  finish(scratch, 0);
  sum[4] = sum[4]! ^ scratch[0]!;
  sum[5] = sum[5]! ^ scratch[1]!;
  sum[6] = sum[6]! ^ scratch[2]!;
  sum[7] = sum[7]! ^ scratch[3]!;
}

/**
 * The digest of a large record (words 0..3: hash of RECORD, the entry XOR, the entry count) and its
 * entry XOR (4..7). Given `hint`, an earlier version whose XOR is known, only entries added, removed
 * or changed (another value, by identity) are hashed: the entry digest of an old value is hashed
 * again rather than kept (its `D` is memoised, so that is a short stream).
 */
function recordDigest(rec: Record<string, unknown>, keys: readonly string[], hint: unknown): Int32Array {
  const d = new Int32Array(8);
  const prev = hint !== null && typeof hint === 'object' && !isList(hint) ? digests.get(hint) : undefined;
  let count = 0;
  if (prev !== undefined && prev.length === 8) {
    const old = hint as Record<string, unknown>;
    d.set(prev);
    for (const k in old) {
      if (!Object.hasOwn(old, k)) continue;
      const was = old[k];
      if (included(was) && (!Object.hasOwn(rec, k) || rec[k] !== was)) toggleEntry(d, k, was); // removed or changed
    }
    for (const k of keys) {
      const v = rec[k];
      if (!included(v)) continue;
      count++;
      const was = Object.hasOwn(old, k) ? old[k] : undefined;
      if (v !== was || !included(was)) toggleEntry(d, k, v);
    }
  } else {
    for (const k of keys) {
      const v = rec[k];
      if (!included(v)) continue;
      count++;
      toggleEntry(d, k, v);
    }
  }
  begin();
  word(RECORD);
  block(d, 4);
  word(count);
  finish(d, 0);
  return d;
}

/**
 * Digest of one actor (see the module doc) as 4 words (not to be modified). Fields are digested
 * separately and memoised, so a fact that changes two fields of a large context re-hashes only those
 * two (and an appended list only its new items, given `before`, the actor's previous snapshot).
 * Memoised per snapshot, except final ones (`status: 'done'`: never asked for again as a `before`).
 */
export function actorDigestV2(key: string, snap: ActorSnapshotLike, before?: ActorSnapshotLike): Int32Array {
  const known = knownActorDigest(snap);
  if (known !== undefined) return known;
  resetStreams(); // no stream is open between actor digests (a throw half-way may have left some)
  const ctx = snap.context as Record<string, unknown>;
  const hint = before?.context as Record<string, unknown> | undefined;
  begin();
  word(ACTOR);
  text(key);
  encode(snap.value);
  if (ctx !== null && typeof ctx === 'object') {
    for (const k of sortedKeys(ctx)) {
      const v = ctx[k];
      if (!included(v) || UNHASHED_CONTEXT_KEYS.has(k)) continue;
      word(STRING);
      text(k);
      field(v, hint, k);
    }
  }
  word(END);
  const d = new Int32Array(4);
  finish(d, 0);
  if (snap.status !== 'done') rememberActorDigest(snap, d);
  return d;
}

/** XORs the 4-word digest `d` into `acc` in place. */
export function xorInto4(acc: Int32Array, d: Int32Array): void {
  acc[0] = acc[0]! ^ d[0]!;
  acc[1] = acc[1]! ^ d[1]!;
  acc[2] = acc[2]! ^ d[2]!;
  acc[3] = acc[3]! ^ d[3]!;
}

/** Prefix of a version-2 state hash text: no version-1 text (hex digits only) starts with it. */
export const V2_PREFIX = 'v2';

/**
 * The text of a version-2 state accumulator (the XOR of its actors' digests): `v2` and 14 lowercase
 * hex digits, the first 56 bits of hash(STATE, acc) — 16 characters, as a version-1 hash.
 */
export function stateHashTextV2(acc: Int32Array): string {
  resetStreams();
  begin();
  word(STATE);
  block(acc, 0);
  finish(scratch, 0);
  const hi = (scratch[0]! >>> 0).toString(16).padStart(8, '0');
  const lo = (scratch[1]! >>> 8).toString(16).padStart(6, '0');
  return `${V2_PREFIX}${hi}${lo}`;
}
