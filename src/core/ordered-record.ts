/**
 * `OrderedRecord<V>`: an immutable string-keyed record that changes by one key in O(1), for a
 * machine context field that gains and loses one entry per fact among many (the thread's
 * `reservations`, one entry per running step). Every reader sees it as the plain record it stands
 * for (`toRecord`): the record a sequence of `record[key] = value` / `delete record[key]` would
 * leave, keys in that record's own order.
 *
 * Versions derived from one another share one backing `Map` holding the newest version's entries
 * (a Map orders its keys as an object orders non-index keys: a new key last, a set key kept in its
 * place, a deleted and re-added key last). Changing the newest version changes the backing in place
 * and leaves, in the version changed, how to undo it; an older version is read by undoing the
 * changes made since, on a copy. Changing an older version copies its entries into a backing of its
 * own (a fork: rare). What a holder of any version reads never changes, and the backing is private.
 * Memory: the newest version holds nothing of the older ones; an older version, while held, keeps
 * alive one small undo record per change made after it (as an older AppendSeq keeps the backing).
 *
 * JSON: `toJSON()` is the plain record (`toRecord`), so a persisted snapshot holds the same JSON as a
 * plain record; a plain record read back is turned into an OrderedRecord by `from` when it is next
 * changed. The state digests (src/history/fold/state-digest.ts, state-digest-v2.ts) hash a version
 * exactly as its plain record.
 */

/** The change that made the next version of a record: enough to undo it. */
interface Change<V> {
  next: OrderedRecord<V>;
  key: string;
  /** The key's entry before the change; undefined when the change added the key. */
  was: Entry<V> | undefined;
}

/** A value and its insertion number (orders the entries of an older version when they are rebuilt). */
interface Entry<V> {
  seq: number;
  value: V;
}

interface Backing<V> {
  /** The entries of `newest`, in record order. */
  entries: Map<string, Entry<V>>;
  newest: OrderedRecord<V>;
  /** The next insertion number. */
  seq: number;
}

/** An immutable record with O(1) changes to its newest version (see the module doc). */
export class OrderedRecord<V> {
  readonly #backing: Backing<V>;
  readonly #size: number;
  /** Set once, when this version, then the newest, was changed. */
  #change: Change<V> | undefined;
  /** The entries of this version once it is no longer the newest, rebuilt on the first read. */
  #rebuilt: Map<string, Entry<V>> | undefined;
  /** The plain record of this version, built on the first `toRecord`. */
  #record: Record<string, V> | undefined;

  private constructor(backing: Backing<V> | undefined, size: number) {
    this.#backing = backing ?? { entries: new Map(), newest: this, seq: 0 };
    this.#size = size;
  }

  /** A new empty record (its own backing). */
  static empty<V>(): OrderedRecord<V> {
    return new OrderedRecord<V>(undefined, 0);
  }

  /**
   * A record of `record`'s own enumerable entries, in its key order (copied: later changes to
   * `record` are not seen). O(keys).
   */
  static from<V>(record: Readonly<Record<string, V>>): OrderedRecord<V> {
    const keys = Object.keys(record);
    const r = new OrderedRecord<V>(undefined, keys.length);
    const b = r.#backing;
    for (const key of keys) b.entries.set(key, { seq: b.seq++, value: record[key]! });
    return r;
  }

  /** Number of keys of this version. */
  get size(): number {
    return this.#size;
  }

  /** Whether this version has `key`. O(1) (an older version: after a first read in O(size log size)). */
  has(key: string): boolean {
    return this.#entries().has(key);
  }

  /** The value of `key` in this version, undefined when it has none. O(1), as `has`. */
  get(key: string): V | undefined {
    return this.#entries().get(key)?.value;
  }

  /**
   * This record with `key` set to `value`: a new version (`key` kept in its place if present, else
   * last), or this very version when `key` already holds `value` (`Object.is`); this one unchanged.
   * O(1) when this version is the newest of its backing, else O(size) (a fork).
   */
  set(key: string, value: V): OrderedRecord<V> {
    const now = this.#entries().get(key);
    if (now !== undefined && Object.is(now.value, value)) return this;
    const owner = this.#owned();
    const b = owner.#backing;
    const was = b.entries.get(key);
    const next = new OrderedRecord<V>(b, was === undefined ? owner.#size + 1 : owner.#size);
    owner.#change = { next, key, was };
    b.entries.set(key, { seq: was === undefined ? b.seq++ : was.seq, value });
    b.newest = next;
    return next;
  }

  /** This record without `key`: a new version, or this very version when it has no `key`. O(1) or O(size), as `set`. */
  delete(key: string): OrderedRecord<V> {
    if (!this.#entries().has(key)) return this;
    const owner = this.#owned();
    const b = owner.#backing;
    const next = new OrderedRecord<V>(b, owner.#size - 1);
    owner.#change = { next, key, was: b.entries.get(key) };
    b.entries.delete(key);
    b.newest = next;
    return next;
  }

  /** This version if it is the newest of its backing, else a copy of it with a backing of its own. */
  #owned(): OrderedRecord<V> {
    if (this.#backing.newest === this) return this;
    const r = new OrderedRecord<V>(undefined, this.#size);
    const b = r.#backing;
    for (const [key, e] of this.#entries()) b.entries.set(key, { seq: b.seq++, value: e.value });
    return r;
  }

  /** This version's entries in record order: the backing's for the newest, else a rebuilt copy. */
  #entries(): Map<string, Entry<V>> {
    const b = this.#backing;
    if (b.newest === this) return b.entries;
    if (this.#rebuilt !== undefined) return this.#rebuilt;
    // Undo, on a copy of the newest entries, the changes made since this version, newest first.
    const changes: Change<V>[] = [this.#change!];
    while (changes.at(-1)!.next !== b.newest) changes.push(changes.at(-1)!.next.#change!);
    const entries = new Map(b.entries);
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i]!;
      if (c.was !== undefined) entries.set(c.key, c.was);
      else entries.delete(c.key);
    }
    return (this.#rebuilt = new Map([...entries].sort((x, y) => x[1].seq - y[1].seq)));
  }

  /**
   * The plain record of this version (no prototype; keys in record order): the same object on every
   * call, never to be modified. O(size) on the first call.
   */
  toRecord(): Readonly<Record<string, V>> {
    if (this.#record === undefined) {
      const out = Object.create(null) as Record<string, V>;
      for (const [key, e] of this.#entries()) out[key] = e.value;
      this.#record = out;
    }
    return this.#record;
  }

  /** The plain record (what `JSON.stringify` writes). */
  toJSON(): Readonly<Record<string, V>> {
    return this.toRecord();
  }
}

/** The plain record `r` stands for: `r.toRecord()` for an OrderedRecord, else `r` itself. */
export function plainRecord<V>(r: OrderedRecord<V> | Readonly<Record<string, V>>): Readonly<Record<string, V>> {
  return r instanceof OrderedRecord ? r.toRecord() : (r as Readonly<Record<string, V>>);
}
