/**
 * Digests of actor snapshots for version 1 of the state hash (`hashThreadState`, state-hash.ts): the
 * definition every hash recorded before version 2 is checked against, so it never changes. Canonical JSON, per-field value digests memoised by identity, hash chains for lists that grow by
 * appends, XOR set-digests for large records. All are pure functions of content; the memo tables
 * only make repeated digests of the same (immutable) objects cheap. An `AppendSeq`
 * (src/core/append-seq.ts) is digested, and written by `canonicalJson`, exactly as the plain array
 * of its items; an `OrderedRecord` (src/core/ordered-record.ts) exactly as its plain record.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { AppendSeq } from '../../core/append-seq.ts';
import { OrderedRecord } from '../../core/ordered-record.ts';

/** What a digest reads of an actor snapshot: its state value and its context. */
export interface ActorSnapshotLike {
  value: unknown;
  context: unknown;
  /** xstate's snapshot status: `'done'` in a final state (the actor takes no more facts). */
  status?: unknown;
}

/**
 * Context fields left out of an actor's digest: copies of recorded fact data that no machine
 * decision reads (the step's `startedInput`, the StepStarted input), so stores whose facts were
 * hashed before the fold kept them still verify.
 */
export const UNHASHED_CONTEXT_KEYS: ReadonlySet<string> = new Set(['startedInput']);

/** JSON with object keys sorted (recursively), `undefined` properties omitted: a stable text of plain data. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof AppendSeq) return canonicalJson(value.toArray());
  if (value instanceof OrderedRecord) return canonicalJson(value.toRecord());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out += (i === 0 ? '' : ',') + (v === undefined ? 'null' : canonicalJson(v));
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

const digests = new WeakMap<object, Buffer>();

/** Digest text of plain objects and arrays, memoised by identity (snapshot data is never mutated). */
const valueDigests = new WeakMap<object, string>();
/** Chain value of arrays and AppendSeqs (see `listDigest`), so a list extended by appends is hashed from its prefix. */
const arrayChains = new WeakMap<object, Buffer>();
const EMPTY_CHAIN = createHash('sha256').update('[').digest();

/**
 * Digest text of a plain-data value: primitives are their JSON text; objects `#` + hex sha256 of
 * their canonical JSON; arrays `@` + hex of a hash chain over their items' digest texts
 * (c₀ = sha256('['), cᵢ₊₁ = sha256(cᵢ ‖ digest(itemᵢ))); an AppendSeq as the array of its items.
 * Both depend on content only. `hint`: an earlier version of the same field; when `value` starts
 * with the hint's items (same objects), the chain continues from the hint's, so appending to a long
 * list costs O(items added) (and no prefix comparison between two versions of one AppendSeq).
 */
function valueDigest(value: unknown, hint?: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof OrderedRecord) return valueDigest(value.toRecord(), hint instanceof OrderedRecord ? hint.toRecord() : hint);
  const known = valueDigests.get(value);
  if (known !== undefined) return known;
  let d: string;
  if (isList(value)) d = `@${listDigest(value, hint).toString('hex')}`;
  else {
    const keys = Object.keys(value);
    d =
      keys.length >= RECORD_KEYS
        ? `%${recordDigest(value as Record<string, unknown>, keys, hint).toString('hex')}`
        : `#${smallDigest(canonicalJson(value))}`;
  }
  valueDigests.set(value, d);
  return d;
}

/**
 * Hex sha256 of the canonical text of a small object, memoised by text (the same small values — `{}`
 * outputs, a step's error, an approval — recur across thousands of steps; identity memoisation
 * misses them because each snapshot holds its own copy). Bounded: cleared past SMALL_MEMO_MAX entries.
 */
const smallDigests = new Map<string, string>();
const SMALL_MEMO_MAX = 4096;
const SMALL_TEXT_MAX = 256;
function smallDigest(text: string): string {
  if (text.length > SMALL_TEXT_MAX) return oneShotHash('sha256', text, 'hex');
  let d = smallDigests.get(text);
  if (d === undefined) {
    if (smallDigests.size >= SMALL_MEMO_MAX) smallDigests.clear();
    d = oneShotHash('sha256', text, 'hex');
    smallDigests.set(text, d);
  }
  return d;
}

/** Objects with at least this many keys are digested as a set of entries (`recordDigest`). */
const RECORD_KEYS = 16;
/** XOR of the entry digests of records (see `recordDigest`). */
const recordSums = new WeakMap<object, { sum: Buffer; entries: Map<string, Buffer> }>();

const entryDigest = (k: string, v: unknown): Buffer => oneShotHash('sha256', `${JSON.stringify(k)}:${valueDigest(v)}`, 'buffer');

/**
 * Digest of an object with many keys (e.g. the thread's reservations by step): the XOR of
 * sha256(`<key JSON>:<valueDigest>`) over its entries (undefined values and functions skipped).
 * Given `hint`, an earlier version, only the entries that differ are hashed.
 */
function recordDigest(rec: Record<string, unknown>, keys: string[], hint: unknown): Buffer {
  const prev = hint !== null && typeof hint === 'object' && !Array.isArray(hint) ? recordSums.get(hint) : undefined;
  const included = (v: unknown): boolean => v !== undefined && typeof v !== 'function';
  let sum: Buffer;
  const entries = new Map<string, Buffer>();
  if (prev === undefined) {
    sum = Buffer.alloc(32);
    for (const k of keys) {
      const v = rec[k];
      if (!included(v)) continue;
      const e = entryDigest(k, v);
      entries.set(k, e);
      xorInto(sum, e);
    }
  } else {
    sum = Buffer.from(prev.sum);
    const old = hint as Record<string, unknown>;
    for (const [k, e] of prev.entries) {
      if (!Object.hasOwn(rec, k) || !included(rec[k])) xorInto(sum, e); // removed
    }
    for (const k of keys) {
      const v = rec[k];
      if (!included(v)) continue;
      const was = prev.entries.get(k);
      if (was !== undefined && old[k] === v) {
        entries.set(k, was);
        continue;
      }
      if (was !== undefined) xorInto(sum, was); // changed
      const e = entryDigest(k, v);
      entries.set(k, e);
      xorInto(sum, e);
    }
  }
  recordSums.set(rec, { sum, entries });
  return sum;
}

/** A list the digest chains: a plain array or an AppendSeq (digested as the array of its items). */
type List = readonly unknown[] | AppendSeq<unknown>;
const isList = (v: unknown): v is List => Array.isArray(v) || v instanceof AppendSeq;
const itemAt = (list: List, i: number): unknown => (list instanceof AppendSeq ? list.at(i) : list[i]);

/** Whether `list` starts with `prefix`'s items (same values, in order); O(1) for two versions of one AppendSeq. */
function startsWith(list: List, prefix: List): boolean {
  if (list instanceof AppendSeq) return list.startsWith(prefix);
  if (prefix.length > list.length) return false;
  for (let i = 0; i < prefix.length; i++) if (list[i] !== itemAt(prefix, i)) return false;
  return true;
}

/** The hash chain of `list` (see `valueDigest`), continued from `hint`'s chain when `list` starts with `hint`. */
function listDigest(list: List, hint: unknown): Buffer {
  let chain: Buffer = EMPTY_CHAIN;
  let from = 0;
  const base = isList(hint) ? arrayChains.get(hint) : undefined;
  if (base !== undefined && startsWith(list, hint as List)) {
    chain = base;
    from = (hint as List).length;
  }
  for (let i = from; i < list.length; i++) chain = chainLink(chain, itemAt(list, i));
  arrayChains.set(list, chain);
  return chain;
}

/** cᵢ₊₁ = sha256(cᵢ ‖ utf8(digest text of `item`)). */
function chainLink(chain: Buffer, item: unknown): Buffer {
  const text = item === undefined ? 'null' : valueDigest(item);
  // sha256(chain ‖ utf8(text)) in one call: the same bytes as update(chain).update(text), without a Hash object
  const bytes = Buffer.allocUnsafe(chain.length + Buffer.byteLength(text));
  chain.copy(bytes, 0);
  bytes.write(text, chain.length);
  return oneShotHash('sha256', bytes, 'buffer');
}

/** Sorted keys (with their JSON text) of the contexts seen, by key list: a machine's contexts share a few key lists. */
const sortedKeyLists = new Map<string, ReadonlyArray<readonly [string, string]>>();

/** `Object.keys(ctx).sort()`, each with `JSON.stringify(key)`, memoised by the key list (bounded). */
function sortedKeys(ctx: Record<string, unknown>): ReadonlyArray<readonly [string, string]> {
  const keys = Object.keys(ctx);
  const signature = keys.join('\u0000');
  let sorted = sortedKeyLists.get(signature);
  if (sorted === undefined) {
    if (sortedKeyLists.size >= SMALL_MEMO_MAX) sortedKeyLists.clear();
    sorted = keys.sort().map((k) => [k, JSON.stringify(k)] as const);
    sortedKeyLists.set(signature, sorted);
  }
  return sorted;
}

/**
 * Digest of one actor: sha256 of `<actorKey JSON>|<canonical value>|` followed by, for each context
 * field in key order (undefined and functions skipped), `<key JSON>:<valueDigest>,`. Fields are
 * digested separately and memoised, so a fact that changes two fields of a large context (e.g. an
 * interaction holding a 1 000-step plan and its observations) re-hashes only those two (and an
 * appended list only its new items, given `before`, the actor's previous snapshot). Memoised per
 * snapshot, except final ones (`status: 'done'`).
 */
export function actorDigest(key: string, snap: ActorSnapshotLike, before?: ActorSnapshotLike): Buffer {
  let d = digests.get(snap);
  if (d === undefined) {
    const ctx = snap.context as unknown as Record<string, unknown>;
    const hint = before?.context as unknown as Record<string, unknown> | undefined;
    let text = `${JSON.stringify(key)}|${typeof snap.value === 'string' ? JSON.stringify(snap.value) : canonicalJson(snap.value)}|`;
    for (const [k, quoted] of sortedKeys(ctx)) {
      const v = ctx[k];
      if (v === undefined || typeof v === 'function' || UNHASHED_CONTEXT_KEYS.has(k)) continue;
      text += `${quoted}:${valueDigest(v, hint?.[k])},`;
    }
    d = oneShotHash('sha256', text, 'buffer');
    // A final snapshot never changes again, so its digest is never asked for again as the `before`
    // of a change: not memoised (one per settled step would stay for the thread's lifetime).
    if (snap.status !== 'done') digests.set(snap, d);
  }
  return d;
}

/** XORs the 32-byte digest `d` into `acc` in place. */
export function xorInto(acc: Buffer, d: Buffer): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! ^ d[i]!;
}
