/**
 * The fold's step records without a full copy per batch: a record of a ThreadState's steps is a
 * read-only view (a Proxy, so every reader keeps indexing it as a plain record) over a table whose
 * values live in 256 hash buckets. A new state copies the bucket array (256 references) and, on
 * write, only the buckets it writes into; so folding a batch costs O(facts + 256 + touched buckets)
 * whatever the plan's size, where a plain record copy cost O(tasks) per batch — the cost that made
 * long plans quadratic. Key order (insertion order, as a plain record's string keys) is kept in an
 * append-only key list shared along a lineage of states (steps are never removed).
 *
 * Records are immutable: writing into one throws a TypeError. A plain record (restored from a
 * snapshot cache, built by hand) is read through a table built from it once.
 */

const BUCKETS = 256;
/** Up to this many keys a table keeps one bucket (a small record is copied whole, and costs ~no index). */
const SMALL = 64;

type Bucket<V> = Map<string, V>;

/**
 * The storage behind one record: one bucket while small, else BUCKETS. Buckets in `owned` may be
 * written in place (they are this table's).
 */
interface Table<V> {
  buckets: Array<Bucket<V> | undefined>;
  owned: Set<number>;
  /** Shared key list: this table's keys are `keys.list[0..length)`. */
  keys: { list: string[] };
  length: number;
}

const tables = new WeakMap<object, Table<unknown>>();

function bucketOf(t: Table<unknown>, key: string): number {
  if (t.buckets.length === 1) return 0;
  let h = 0;
  for (let i = key.length - 1; i >= Math.max(0, key.length - 12); i--) h = (h * 31 + key.charCodeAt(i)) | 0;
  return h & (BUCKETS - 1);
}

function lookup<V>(t: Table<V>, key: string): V | undefined {
  return t.buckets[bucketOf(t as Table<unknown>, key)]?.get(key);
}

const readOnly = (): never => {
  throw new TypeError('a step record of a thread state is read-only');
};

/**
 * The traps of every record, shared: a record's Proxy target is its table itself, so a record costs
 * the Proxy and its table, not a handler and eight closures more (an idle thread holds one record
 * per folded state). The table's own fields are never seen through the record: every trap answers
 * from the buckets (the target is extensible and its properties configurable, so reporting other
 * keys than its own keeps the Proxy invariants).
 */
const handler: ProxyHandler<Table<unknown>> = {
  get: (t, key) => (typeof key === 'string' ? lookup(t, key) : undefined),
  has: (t, key) => typeof key === 'string' && lookup(t, key) !== undefined,
  ownKeys: (t) => t.keys.list.slice(0, t.length),
  getOwnPropertyDescriptor: (t, key) => {
    const value = typeof key === 'string' ? lookup(t, key) : undefined;
    return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
  },
  set: readOnly,
  deleteProperty: readOnly,
  defineProperty: readOnly,
  setPrototypeOf: readOnly,
};

function recordOf<V>(t: Table<V>): Record<string, V> {
  const rec = new Proxy(t as Table<unknown>, handler) as unknown as Record<string, V>;
  tables.set(rec, t as Table<unknown>);
  return rec;
}

function tableOf<V>(rec: Readonly<Record<string, V>>): Table<V> {
  const known = tables.get(rec) as Table<V> | undefined;
  if (known !== undefined) return known;
  const t: Table<V> = { buckets: [undefined], owned: new Set(), keys: { list: [] }, length: 0 };
  for (const [key, value] of Object.entries(rec)) write(t, key, value);
  tables.set(rec, t as Table<unknown>);
  return t;
}

/** Spreads a one-bucket table over BUCKETS buckets, all owned by it. */
function spread<V>(t: Table<V>): void {
  const all = t.buckets[0];
  t.buckets = new Array<Bucket<V> | undefined>(BUCKETS);
  t.owned = new Set();
  if (all === undefined) return;
  for (const [key, value] of all) {
    const b = bucketOf(t as Table<unknown>, key);
    let bucket = t.buckets[b];
    if (bucket === undefined) {
      t.buckets[b] = bucket = new Map();
      t.owned.add(b);
    }
    bucket.set(key, value);
  }
}

function write<V>(t: Table<V>, key: string, value: V): void {
  if (t.buckets.length === 1 && t.length >= SMALL) spread(t);
  const b = bucketOf(t as Table<unknown>, key);
  let bucket = t.buckets[b];
  if (!t.owned.has(b)) {
    bucket = new Map(bucket);
    t.buckets[b] = bucket;
    t.owned.add(b);
  }
  if (!bucket!.has(key)) {
    if (t.keys.list.length !== t.length) t.keys = { list: t.keys.list.slice(0, t.length) }; // another lineage went on from here
    t.keys.list.push(key);
    t.length += 1;
  }
  bucket!.set(key, value);
}

/** A step record being written: `record` reads as the new record; `set` writes into it. */
export interface StepRecordWriter<V> {
  readonly record: Record<string, V>;
  set(key: string, value: V): void;
}

/**
 * Starts a new record from `base` (a record of this module or a plain one): O(256), whatever the
 * size of `base`, which is left unchanged. Writes go through `set` (the record itself is read-only).
 */
export function deriveStepRecord<V>(base: Readonly<Record<string, V>>): StepRecordWriter<V> {
  const from = tableOf(base);
  const t: Table<V> = { buckets: from.buckets.slice(), owned: new Set(), keys: from.keys, length: from.length };
  return { record: recordOf(t), set: (key, value) => write(t, key, value) };
}
