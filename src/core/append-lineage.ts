/**
 * Lineage of arrays that grow by appends: `appended(source, ...items)` is `[...source, ...items]`
 * and records the new array in `source`'s lineage when `source` is that lineage's longest array
 * (its tip), so a reader holding an older version (the state digest's array chains,
 * src/history/fold/state-digest.ts) can tell in O(1) that a newer array starts with its very items,
 * instead of comparing the whole prefix. Within one lineage every array is a prefix of the longer
 * ones (an array is only added by appending to the tip; appending to an older one starts a lineage
 * of its own). Nothing holds an array alive: a lineage keeps only its tip's length. A memo by
 * identity (a WeakMap), never read by a decision: the arrays themselves are plain and immutable.
 */

interface Lineage {
  /** Length of the longest array in the lineage. */
  tipLength: number;
}

const lineages = new WeakMap<readonly unknown[], Lineage>();

/** `[...source, ...items]` (a new array; `source` unchanged), recorded as extending `source` (see the module doc). */
export function appended<T>(source: readonly T[], ...items: T[]): T[] {
  const next = [...source, ...items];
  let lineage = lineages.get(source);
  if (lineage === undefined) lineages.set(source, (lineage = { tipLength: source.length }));
  if (lineage.tipLength === source.length) {
    lineage.tipLength = next.length;
    lineages.set(next, lineage);
  } else {
    lineages.set(next, { tipLength: next.length }); // appended to an older version: a fork
  }
  return next;
}

/**
 * Whether `array` is known to start with `prefix`'s items (same objects, in order): it is `prefix`,
 * or both are in one lineage and `prefix` is not longer. False means unknown (the caller compares).
 */
export function extendsByAppends(array: readonly unknown[], prefix: readonly unknown[]): boolean {
  if (array === prefix) return true;
  const lineage = lineages.get(array);
  return lineage !== undefined && lineages.get(prefix) === lineage && prefix.length <= array.length;
}
