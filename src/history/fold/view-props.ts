/**
 * Building blocks of the plain-data views (views.ts): `defined` (an object without its undefined
 * properties, in order) and `lazy` (a property computed on first read).
 */

/**
 * A view property computed on first read (see `defined`): `read(source)`. Its getter is one function
 * per property name, shared by every view, that finds the view's own source in a non-enumerable
 * property: a getter closing over per-view data would be an accessor pair of its own, which V8
 * allocates in the old generation, so it would hold the view's state there (promoted with its
 * records, collected only by a full GC) for every view built.
 */
export class Lazy<T> {
  constructor(
    readonly read: (source: never) => T,
    readonly source: unknown,
  ) {}
}
export const lazy = <S, T>(read: (source: S) => T, source: S): T => new Lazy(read as (source: never) => T, source) as unknown as T;

/** Where a view keeps the sources of its lazy properties (property name → Lazy). */
const LAZY = Symbol('lazy');
type LazyHolder = { [LAZY]: Record<string, Lazy<unknown>> };
const lazyGetters = new Map<string, (this: LazyHolder) => unknown>();
function lazyGetter(key: string): (this: LazyHolder) => unknown {
  let get = lazyGetters.get(key);
  if (get === undefined) {
    get = function (this: LazyHolder): unknown {
      const l = this[LAZY][key]!;
      return (l.read as (source: unknown) => unknown)(l.source);
    };
    lazyGetters.set(key, get);
  }
  return get;
}

/**
 * `o` (an object literal: its enumerable keys are its own) without its undefined properties, in
 * order; a `lazy(...)` value becomes an enumerable getter. Walks `o` with for…in: no entry arrays.
 */
export const defined = <T extends object>(o: T): T => {
  const out: Record<string, unknown> = {};
  let sources: Record<string, Lazy<unknown>> | undefined;
  for (const k in o) {
    const v: unknown = o[k];
    if (v instanceof Lazy) {
      if (sources === undefined) Object.defineProperty(out, LAZY, { value: (sources = {}), enumerable: false });
      sources[k] = v as Lazy<unknown>;
      Object.defineProperty(out, k, { get: lazyGetter(k), enumerable: true, configurable: true });
    } else if (v !== undefined) out[k] = v;
  }
  return out as T;
};
