/**
 * Tiny immutable-update helpers for the plain-object records projection states are made of.
 * They never mutate their arguments (see the contract in `src/projections/projection.ts`).
 */

/** `record` with `key` set to `value` (a new object; the old one is untouched). */
export function assoc<V>(record: Readonly<Record<string, V>>, key: string, value: V): Record<string, V> {
  return { ...record, [key]: value };
}

/**
 * `record` with `key` replaced by `update(record[key])`; when the key is absent, `create()` supplies
 * the value `update` receives. Returns `record` itself when `update` returns the same value.
 */
export function updateIn<V>(
  record: Readonly<Record<string, V>>,
  key: string,
  create: () => V,
  update: (value: V) => V,
): Record<string, V> {
  const before = Object.prototype.hasOwnProperty.call(record, key) ? (record[key] as V) : undefined;
  const after = update(before ?? create());
  return after === before ? (record as Record<string, V>) : { ...record, [key]: after };
}

/** `value` rounded to 1e-9 — keeps USD sums free of float dust like 0.30000000000000004. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/** `list` with `item` appended unless already present (a new array, or `list` itself). */
export function addUnique(list: readonly string[], item: string): string[] {
  return list.includes(item) ? (list as string[]) : [...list, item];
}

/** `list` without `item` (a new array, or `list` itself when absent). */
export function without(list: readonly string[], item: string): string[] {
  return list.includes(item) ? list.filter((x) => x !== item) : (list as string[]);
}
