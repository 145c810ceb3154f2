/**
 * A persistent (immutable, structurally shared) string-keyed map that is plain JSON data, for the
 * big collections of projection states (threads, interactions of a thread).
 *
 * Why: updating a plain `Record` immutably copies all its keys, so a fold whose top level holds N
 * threads costs O(N) per fact — quadratic over a log (measured: 48k facts/s with 170 threads,
 * 3k/s with 1,800).
 *
 * Layout: a small map (≤ 16 keys) is one array of `[key, value]` pairs (`flat`), copied whole on
 * update. Past 16 keys it becomes a fixed-depth hash array mapped trie (after Bagwell 2001, "Ideal
 * Hash Trees"): the key's FNV-1a hash picks one of 32 × 32 leaves, each a short pair array; an
 * update copies two 32-slot arrays and one leaf (≈ N / 1024 pairs), sharing everything else.
 * Pair arrays rather than objects: copying a short array is much cheaper than an object with
 * dynamic keys.
 *
 * Shape (JSON): `{ count, flat: Array<[key, V]> | null, slots: null | 32 × (null | 32 × (null | Array<[key, V]>)) }`.
 * Read it with `getKeyed` / `keyedEntries` / `keyedValues`, never by walking it directly.
 * Iteration order is not insertion order once the map is a trie: sort for display.
 */

type Pairs<V> = ReadonlyArray<readonly [string, V]>;

/** The map. Treat as opaque; `count` is the number of keys. */
export interface KeyedMap<V> {
  readonly count: number;
  readonly flat: Pairs<V> | null;
  readonly slots: ReadonlyArray<ReadonlyArray<Pairs<V> | null> | null> | null;
}

const WIDTH = 32;
const FLAT_MAX = 16;

/** FNV-1a 32-bit hash of a string's UTF-16 code units (http://www.isthe.com/chongo/tech/comp/fnv/). */
function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** WIDTH nulls, as a packed array (V8 copies packed arrays fastest). */
const nulls = (): null[] => Array.from({ length: WIDTH }, () => null);

const EMPTY: KeyedMap<never> = { count: 0, flat: [], slots: null };

/** An empty map. */
export function emptyKeyed<V>(): KeyedMap<V> {
  return EMPTY;
}

function indexIn<V>(pairs: Pairs<V>, key: string): number {
  for (let i = 0; i < pairs.length; i++) if ((pairs[i] as readonly [string, V])[0] === key) return i;
  return -1;
}

function leafOf<V>(map: KeyedMap<V>, h: number): Pairs<V> | null {
  return map.slots?.[h % WIDTH]?.[(h >>> 5) % WIDTH] ?? null;
}

/** The value of `key`, or undefined. */
export function getKeyed<V>(map: KeyedMap<V>, key: string): V | undefined {
  const pairs = map.flat ?? leafOf(map, fnv1a(key));
  if (!pairs) return undefined;
  const i = indexIn(pairs, key);
  return i < 0 ? undefined : (pairs[i] as readonly [string, V])[1];
}

/** `pairs` with `key` set to `value` at index `at` (-1: appended). */
function withPair<V>(pairs: Pairs<V> | null, at: number, key: string, value: V): Array<readonly [string, V]> {
  const next = pairs === null ? [] : pairs.slice();
  if (at < 0) next.push([key, value]);
  else next[at] = [key, value];
  return next;
}

/** Puts pairs into a trie (used when a flat map outgrows FLAT_MAX). */
function toTrie<V>(pairs: Pairs<V>): KeyedMap<V> {
  let map: KeyedMap<V> = { count: 0, flat: null, slots: nulls() };
  for (const [k, v] of pairs) map = updateKeyed(map, k, () => v, () => v);
  return map;
}

/**
 * `map` with `key` set to `update(current value, or create())`. Returns `map` itself when `update`
 * returns the current value unchanged. Never mutates `map`.
 */
export function updateKeyed<V>(map: KeyedMap<V>, key: string, create: () => V, update: (value: V) => V): KeyedMap<V> {
  if (map.flat) {
    const at = indexIn(map.flat, key);
    const before = at < 0 ? undefined : (map.flat[at] as readonly [string, V])[1];
    const after = update(at < 0 ? create() : (before as V));
    if (at >= 0 && after === before) return map;
    const flat = withPair(map.flat, at, key, after);
    return flat.length > FLAT_MAX ? toTrie(flat) : { count: flat.length, flat, slots: null };
  }
  const h = fnv1a(key);
  const i = h % WIDTH;
  const j = (h >>> 5) % WIDTH;
  const inner = map.slots?.[i] ?? null;
  const leaf = inner?.[j] ?? null;
  const at = leaf === null ? -1 : indexIn(leaf, key);
  const before = at < 0 ? undefined : (leaf?.[at] as readonly [string, V])[1];
  const after = update(at < 0 ? create() : (before as V));
  if (at >= 0 && after === before) return map;
  const nextInner: Array<Pairs<V> | null> = inner ? inner.slice() : nulls();
  nextInner[j] = withPair(leaf, at, key, after);
  const slots = map.slots ? map.slots.slice() : nulls();
  slots[i] = nextInner;
  return { count: at < 0 ? map.count + 1 : map.count, flat: null, slots };
}

/** `map` with `key` set to `value`. */
export function setKeyed<V>(map: KeyedMap<V>, key: string, value: V): KeyedMap<V> {
  return updateKeyed(map, key, () => value, () => value);
}

/** Every `[key, value]`: insertion order while small, hash order once a trie. */
export function keyedEntries<V>(map: KeyedMap<V>): Array<[string, V]> {
  if (map.flat) return map.flat.map(([k, v]) => [k, v]);
  const out: Array<[string, V]> = [];
  for (const inner of map.slots ?? []) {
    if (!inner) continue;
    for (const leaf of inner) if (leaf) for (const [key, value] of leaf) out.push([key, value]);
  }
  return out;
}

/** Every value (see `keyedEntries` for the order). */
export function keyedValues<V>(map: KeyedMap<V>): V[] {
  return keyedEntries(map).map(([, v]) => v);
}
