/**
 * `AppendSeq<T>`: an immutable list that grows by appends in O(1) amortised time, for machine
 * contexts that record one item per fact (the interaction's `observations` and `settledSteps`).
 *
 * Slice semantics: versions derived from one another share one backing array, and each knows its
 * own length. Appending to the version that is the backing's tip pushes onto the backing; appending
 * to an older version copies its items into a backing of its own (a fork: rare, e.g. a fold
 * resumed from an older state). A version only ever reads its own prefix, so what a holder of an
 * older version sees never changes: every version is immutable as seen by its readers. The backing
 * is private, so no reader can write to it.
 *
 * JSON: `toJSON()` is the plain array of the version's items, so a persisted snapshot holds the
 * same JSON as a plain array (rebuild with `AppendSeq.from` when restoring). The state digests
 * (src/history/fold/state-digest.ts, state-digest-v2.ts) hash a version exactly as the plain array
 * of its items.
 */

import { OrderedRecord } from './ordered-record.ts';

interface Backing<T> {
  items: T[];
  /** First position of each item in `items` (built on the first `includes`, then kept up to date). */
  positions?: Map<T, number>;
}

/** An immutable append-only list with O(1) appends to its newest version (see the module doc). */
export class AppendSeq<T> implements Iterable<T> {
  readonly #backing: Backing<T>;
  readonly #length: number;

  private constructor(backing: Backing<T>, length: number) {
    this.#backing = backing;
    this.#length = length;
  }

  /** A new empty list (each call its own backing). */
  static empty<T>(): AppendSeq<T> {
    return new AppendSeq<T>({ items: [] }, 0);
  }

  /** A list of `items`' items in order (copied: later changes to `items` are not seen). O(n). */
  static from<T>(items: Iterable<T>): AppendSeq<T> {
    const copy = [...items];
    return new AppendSeq<T>({ items: copy }, copy.length);
  }

  /** Number of items of this version. */
  get length(): number {
    return this.#length;
  }

  /**
   * This list followed by `items` (a new version; this one unchanged). O(items) amortised when this
   * version is the newest of its backing, else O(length) (a fork). No items: this very version.
   */
  append(...items: T[]): AppendSeq<T> {
    if (items.length === 0) return this;
    let b = this.#backing;
    if (b.items.length !== this.#length) b = { items: b.items.slice(0, this.#length) }; // an older version: fork
    for (const item of items) {
      b.items.push(item);
      if (b.positions !== undefined && !b.positions.has(item)) b.positions.set(item, b.items.length - 1);
    }
    return new AppendSeq(b, b.items.length);
  }

  /** Item `i` (negative: from the end, as `Array.prototype.at`), undefined outside this version. */
  at(i: number): T | undefined {
    const k = i < 0 ? this.#length + i : i;
    return k >= 0 && k < this.#length ? this.#backing.items[k] : undefined;
  }

  /**
   * Whether this version holds `item` (SameValueZero, as `Array.prototype.includes`). O(1) after a
   * first call per backing, which indexes its items (O(backing length)).
   */
  includes(item: T): boolean {
    const b = this.#backing;
    if (b.positions === undefined) {
      b.positions = new Map();
      for (let i = 0; i < b.items.length; i++) if (!b.positions.has(b.items[i]!)) b.positions.set(b.items[i]!, i);
    }
    const at = b.positions.get(item);
    return at !== undefined && at < this.#length; // the first occurrence is past this version: none in it
  }

  /**
   * Whether this version starts with `prefix`'s items (the same values, `===`, in order). O(1) when
   * `prefix` is a version of the same backing, else O(prefix length).
   */
  startsWith(prefix: AppendSeq<T> | readonly T[]): boolean {
    if (prefix.length > this.#length) return false;
    if (prefix instanceof AppendSeq && prefix.#backing === this.#backing) return true;
    const items = this.#backing.items;
    for (let i = 0; i < prefix.length; i++) {
      const p = prefix instanceof AppendSeq ? prefix.at(i) : prefix[i];
      if (items[i] !== p) return false;
    }
    return true;
  }

  /** A new plain array of this version's items. O(length). */
  toArray(): T[] {
    return this.#backing.items.slice(0, this.#length);
  }

  /** The plain array of this version's items (what `JSON.stringify` writes). */
  toJSON(): T[] {
    return this.toArray();
  }

  /** This version's items in order. */
  *[Symbol.iterator](): Iterator<T> {
    const items = this.#backing.items;
    for (let i = 0; i < this.#length; i++) yield items[i]!;
  }
}

/**
 * `record` with each AppendSeq property replaced by its plain array and each OrderedRecord
 * (src/core/ordered-record.ts) by its plain record (a shallow copy), or `record` itself when it has
 * none: the JSON-shaped form of a machine context. O(keys + items copied).
 */
export function seqsToArrays<R>(record: R): R {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(record)) {
    if (!(v instanceof AppendSeq) && !(v instanceof OrderedRecord)) continue;
    out ??= { ...(record as Record<string, unknown>) };
    out[k] = v instanceof AppendSeq ? v.toArray() : { ...v.toRecord() };
  }
  return (out ?? record) as R;
}
