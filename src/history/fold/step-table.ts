/**
 * The fold's step records without a full copy per batch: a record of a ThreadState's steps is a
 * read-only view (a Proxy, so every reader keeps indexing it as a plain record) over a table whose
 * values live in a two-level hash trie: 64 slots, each an array of 64 leaves, a leaf a few
 * (key, value) pairs. A new state copies the top array (64 references) and, on write, only the
 * arrays and the leaf it writes into (64 references and a leaf of ~n/4096 pairs); so folding a batch
 * costs O(facts + 64) whatever the plan's size up to tens of thousands of steps, where a plain record
 * copy cost O(tasks) per batch — the cost that made long plans quadratic — and one level of 256
 * buckets cost O(tasks / 256) per write. Key order (insertion order, as a plain record's string keys)
 * is kept in an append-only key list shared along a lineage of states (steps are never removed).
 *
 * Records are immutable: writing into one throws a TypeError. A plain record (built by hand) is read
 * through a table built from it once. The snapshot cache also builds the interactions and steps
 * records of a decoded state here (`buildStepRecord` over a `RecordBase`: keys and values answered by
 * the entry, each value made on its first read, no per-key work until then); the fold then derives
 * those records' successors here too (`isTableRecord`), so their undecoded actors stay undecoded.
 */

/** Slots of the top array and leaves per second-level array (a power of two). */
const FANOUT = 64;
/** Up to this many keys a table keeps one leaf (a small record is copied whole, and costs ~no index). */
const SMALL = 16;

/** Pairs of one leaf: `values[i]` is the value of `keys[i]`. */
interface Leaf<V> {
  keys: string[];
  values: V[];
}

type Mid<V> = Array<Leaf<V> | undefined>;

/**
 * The storage behind one record: one leaf while small, else the trie. Arrays and leaves whose index
 * is in `ownedMids`/`ownedLeaves` may be written in place (they are this table's).
 */
interface Table<V> {
  one: Leaf<V> | undefined;
  ownOne: boolean;
  top: Array<Mid<V> | undefined> | undefined;
  ownedMids: Set<number>;
  /** Leaf indexes `top * FANOUT + mid`. */
  ownedLeaves: Set<number>;
  /** Shared key list: this table's keys are `keys.list[0..length)` (after its base's keys). */
  keys: { list: string[] };
  length: number;
  /** Keys and values read when the trie does not hold the key (shared along a lineage). */
  base: RecordBase<V> | undefined;
  /** What another fold module keeps for this record (`recordNote`), undefined until set. */
  note: unknown;
}

/**
 * The keys and values a record starts from, answered by the base instead of the table: the record
 * costs no work per key until a key is read (`get`) or the keys are listed (`keys`). Writes go to
 * the table (a base key written keeps its place). Every record derived from one built over a base
 * shares it, so `get` must give the same value on every call for a key (made once).
 */
export interface RecordBase<V> {
  /** The value of `key`, or undefined when the base does not hold it. */
  get(key: string): V | undefined;
  /** Whether the base holds `key` (without making its value). */
  has(key: string): boolean;
  /** The base's keys, in order: the same array on every call (callers do not modify it). */
  keys(): readonly string[];
}

/**
 * A record's table: read through the record's own `get` trap (its Proxy target). Not a WeakMap from
 * record to table: V8's young-generation collections keep a WeakMap entry's value alive whatever its
 * key, so every folded table (with the steps it holds) would survive into the old generation.
 */
const TABLE = Symbol('table');
/** Tables built from plain records with keys (hand-built, rare), so each is built once. */
const plainTables = new WeakMap<object, Table<unknown>>();

/** The table behind a record of this module, undefined for a plain object. */
const tableBehind = (rec: object): Table<unknown> | undefined => (rec as { [TABLE]?: Table<unknown> })[TABLE];

/** FNV-1a of the key's last 16 characters (the part that tells step keys apart). */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = Math.max(0, key.length - 16); i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function leafOf<V>(t: Table<V>, key: string): Leaf<V> | undefined {
  if (t.top === undefined) return t.one;
  const h = hashOf(key);
  return t.top[h & (FANOUT - 1)]?.[(h >>> 6) & (FANOUT - 1)];
}

function lookup<V>(t: Table<V>, key: string): V | undefined {
  const leaf = leafOf(t, key);
  const i = leaf === undefined ? -1 : leaf.keys.indexOf(key);
  if (i < 0) return t.base?.get(key);
  return leaf!.values[i];
}

/** True when the record has `key` (a base value is not made for that). */
function hasKey<V>(t: Table<V>, key: string): boolean {
  const leaf = leafOf(t, key);
  const i = leaf === undefined ? -1 : leaf.keys.indexOf(key);
  return i >= 0 ? leaf!.values[i] !== undefined : (t.base?.has(key) ?? false);
}

/** The keys of `t` in order: its base's, then its own. */
function keysOf(t: Table<unknown>): string[] {
  const own = t.keys.list.slice(0, t.length);
  return t.base === undefined ? own : t.base.keys().concat(own);
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
  get: (t, key) => (typeof key === 'string' ? lookup(t, key) : key === TABLE ? t : undefined),
  has: (t, key) => typeof key === 'string' && hasKey(t, key),
  ownKeys: keysOf,
  getOwnPropertyDescriptor: (t, key) => {
    const value = typeof key === 'string' ? lookup(t, key) : undefined;
    return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
  },
  set: readOnly,
  deleteProperty: readOnly,
  defineProperty: readOnly,
  setPrototypeOf: readOnly,
};

/**
 * True when `rec` is a record of this module (built by `buildStepRecord`, derived by
 * `deriveStepRecord`), false for a plain object. O(1).
 */
export function isTableRecord(rec: object): boolean {
  return tableBehind(rec) !== undefined;
}

/**
 * The keys of `rec` in order, without making any value: a record of this module lists its keys
 * (`Object.keys` would read each property's descriptor, making every base value); a plain record
 * gives `Object.keys`. O(keys).
 */
export function recordKeys(rec: Readonly<Record<string, unknown>>): string[] {
  const t = tableBehind(rec);
  return t === undefined ? Object.keys(rec) : keysOf(t);
}

/** How many keys `rec` has, without making any value (see `recordKeys`): O(1) for a record of this module. */
export function recordSize(rec: Readonly<Record<string, unknown>>): number {
  const t = tableBehind(rec);
  return t === undefined ? Object.keys(rec).length : (t.base?.keys().length ?? 0) + t.length;
}

function recordOf<V>(t: Table<V>): Record<string, V> {
  return new Proxy(t as Table<unknown>, handler) as unknown as Record<string, V>;
}

const emptyTable = <V>(base?: RecordBase<V>): Table<V> => ({ one: undefined, ownOne: false, top: undefined, ownedMids: new Set(), ownedLeaves: new Set(), keys: { list: [] }, length: 0, base, note: undefined });

/**
 * What another fold module keeps beside a record of this module (the step change log): undefined for
 * a plain object or when nothing was kept. Kept on the record's table, so it lives exactly as long
 * as the record (a WeakMap would keep it, and what it references, through young-generation GCs).
 */
export function recordNote(rec: object): unknown {
  return tableBehind(rec)?.note;
}

/** Keeps `note` beside `rec` (see `recordNote`). @returns false (nothing kept) when `rec` is a plain object. */
export function setRecordNote(rec: object, note: unknown): boolean {
  const t = tableBehind(rec);
  if (t === undefined) return false;
  t.note = note;
  return true;
}

/** Keys in the table's one leaf (base keys written included); the trie holds them past SMALL. */
const oneSize = (t: Table<unknown>): number => t.one?.keys.length ?? 0;

function tableOf<V>(rec: Readonly<Record<string, V>>): Table<V> {
  const known = (tableBehind(rec) ?? plainTables.get(rec)) as Table<V> | undefined;
  if (known !== undefined) return known;
  const t = emptyTable<V>();
  const entries = Object.entries(rec);
  if (entries.length === 0) return t; // a fresh state's empty record: nothing worth keeping
  for (const [key, value] of entries) write(t, key, value);
  plainTables.set(rec, t as Table<unknown>);
  return t;
}

/** The leaf `key` goes in, owned by `t` (copied or created on the first write of this table). */
function ownLeaf<V>(t: Table<V>, key: string): Leaf<V> {
  if (t.top === undefined) {
    if (!t.ownOne) {
      t.one = t.one === undefined ? { keys: [], values: [] } : { keys: t.one.keys.slice(), values: t.one.values.slice() };
      t.ownOne = true;
    }
    return t.one!;
  }
  const h = hashOf(key);
  const ti = h & (FANOUT - 1);
  const mi = (h >>> 6) & (FANOUT - 1);
  let mid = t.top[ti];
  if (!t.ownedMids.has(ti)) {
    mid = mid === undefined ? new Array<Leaf<V> | undefined>(FANOUT) : mid.slice();
    t.top[ti] = mid;
    t.ownedMids.add(ti);
  }
  const li = ti * FANOUT + mi;
  let leaf = mid![mi];
  if (!t.ownedLeaves.has(li)) {
    leaf = leaf === undefined ? { keys: [], values: [] } : { keys: leaf.keys.slice(), values: leaf.values.slice() };
    mid![mi] = leaf;
    t.ownedLeaves.add(li);
  }
  return leaf!;
}

/** Spreads a one-leaf table over the trie, all of it owned by the table. */
function spread<V>(t: Table<V>): void {
  const all = t.one;
  t.one = undefined;
  t.top = new Array<Mid<V> | undefined>(FANOUT);
  t.ownedMids = new Set();
  t.ownedLeaves = new Set();
  if (all === undefined) return;
  for (let i = 0; i < all.keys.length; i++) {
    const leaf = ownLeaf(t, all.keys[i]!);
    leaf.keys.push(all.keys[i]!);
    leaf.values.push(all.values[i]!);
  }
}

/** Sets `key` to `value` in `leaf` (its own arrays): replaces the value of a key it holds, else appends both. @returns whether the key is new. */
function putInLeaf<V>(leaf: Leaf<V>, key: string, value: V): boolean {
  const i = leaf.keys.indexOf(key);
  if (i >= 0) {
    leaf.values[i] = value;
    return false;
  }
  leaf.keys.push(key);
  leaf.values.push(value);
  return true;
}

function write<V>(t: Table<V>, key: string, value: V): void {
  if (t.top === undefined && oneSize(t) >= SMALL) spread(t);
  if (!putInLeaf(ownLeaf(t, key), key, value)) return;
  if (t.base?.has(key)) return; // listed, in its place, by the base
  if (t.keys.list.length !== t.length) t.keys = { list: t.keys.list.slice(0, t.length) }; // another lineage went on from here
  t.keys.list.push(key);
  t.length += 1;
}

/** A step record being written: `record` reads as the new record; `set` writes into it. */
export interface StepRecordWriter<V> {
  readonly record: Record<string, V>;
  set(key: string, value: V): void;
}

/**
 * Starts a new record from `base` (a record of this module or a plain one): O(64), whatever the
 * size of `base`, which is left unchanged. Writes go through `set` (the record itself is read-only).
 */
export function deriveStepRecord<V>(base: Readonly<Record<string, V>>): StepRecordWriter<V> {
  const from = tableOf(base);
  const t: Table<V> = {
    one: from.one,
    ownOne: false,
    top: from.top?.slice(),
    ownedMids: new Set(),
    ownedLeaves: new Set(),
    keys: from.keys,
    length: from.length,
    base: from.base,
    note: undefined,
  };
  return { record: recordOf(t), set: (key, value) => write(t, key, value) };
}

/** Builds a new step record key by key (`buildStepRecord`). */
export interface StepRecordBuilder<V> {
  /** Adds `key` with `value` (a key added again keeps its place and takes the new value). */
  set(key: string, value: V): void;
  /** The record (read-only, like the fold's); the builder must not be used afterwards. */
  done(): Record<string, V>;
}

/**
 * A builder of a record whose values may be made on first read (the snapshot cache restores only the
 * interactions and steps a fold touches; reading every value, e.g. hashing the state, makes them all,
 * and so does listing the keys with `Object.keys`, which reads each property's descriptor; `in` does
 * not). With `base`, the record starts with the base's keys and values (see RecordBase: its values
 * must be what the fold would hold); keys added by the builder must not be base keys.
 */
export function buildStepRecord<V>(base?: RecordBase<V>): StepRecordBuilder<V> {
  const t = emptyTable<V>(base);
  return {
    set: (key, value) => buildWrite(t, key, value),
    done: () => recordOf(t),
  };
}

/**
 * `write` into a table being built (every array and leaf of it is its own, and no record shares its
 * key list yet): the same placement, without the bookkeeping of which parts are owned (the table is
 * never written again once its record is made; records derived from it own nothing of it).
 */
function buildWrite<V>(t: Table<V>, key: string, value: V): void {
  if (t.top === undefined) {
    if (oneSize(t) < SMALL) return write(t, key, value);
    spread(t);
  }
  const h = hashOf(key);
  const ti = h & (FANOUT - 1);
  const mi = (h >>> 6) & (FANOUT - 1);
  const mid = (t.top![ti] ??= new Array<Leaf<V> | undefined>(FANOUT));
  if (!putInLeaf((mid[mi] ??= { keys: [], values: [] }), key, value)) return;
  t.keys.list.push(key);
  t.length += 1;
}
