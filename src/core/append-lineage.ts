/**
 * Lineage of arrays that grow by appends: `appended(source, ...items)` is `[...source, ...items]`
 * and remembers that the new array starts with `source`'s very items, so a reader holding an older
 * version (the state digest's array chains, src/history/fold/state-digest.ts) can tell that a newer
 * array extends it in O(appends between them) instead of comparing the whole prefix. A memo by
 * identity (a WeakMap), never read by a decision: the arrays themselves are plain and immutable.
 */

const sources = new WeakMap<readonly unknown[], readonly unknown[]>();

/** `[...source, ...items]` (a new array; `source` unchanged), remembered as an extension of `source`. */
export function appended<T>(source: readonly T[], ...items: T[]): T[] {
  const next = [...source, ...items];
  sources.set(next, source);
  return next;
}

/**
 * Whether `array` is `prefix` or was derived from it by `appended` calls only, found by following
 * at most `maxHops` derivations back (false when not found within them: the caller compares).
 */
export function extendsByAppends(array: readonly unknown[], prefix: readonly unknown[], maxHops = 4096): boolean {
  let current: readonly unknown[] | undefined = array;
  for (let hop = 0; hop <= maxHops && current !== undefined; hop++) {
    if (current === prefix) return true;
    if (current.length <= prefix.length) return false;
    current = sources.get(current);
  }
  return false;
}
