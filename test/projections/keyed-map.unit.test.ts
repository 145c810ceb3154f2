/** The persistent keyed map of projection states: behaves like an immutable Map, and is JSON data. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyKeyed, getKeyed, keyedEntries, setKeyed, updateKeyed, type KeyedMap } from '../../projections/shared/keyed-map.ts';
import { deepFreeze } from './history-store.ts';

describe('keyed map', () => {
  it('matches a Map under any sequence of sets, never mutating earlier versions', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'a', 'b'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer()), { maxLength: 300 }), (ops) => {
        const model = new Map<string, number>();
        let map: KeyedMap<number> = deepFreeze(emptyKeyed<number>());
        const versions: Array<[KeyedMap<number>, Map<string, number>]> = [];
        for (const [k, v] of ops) {
          map = deepFreeze(setKeyed(map, k, v));
          model.set(k, v);
          versions.push([map, new Map(model)]);
        }
        for (const [m, expected] of versions) {
          expect(m.count).toBe(expected.size);
          expect(new Map(keyedEntries(m))).toEqual(expected);
          for (const [k, v] of expected) expect(getKeyed(m, k)).toBe(v);
        }
        expect(JSON.parse(JSON.stringify(map))).toStrictEqual(map);
        expect(getKeyed(map, 'never-set-key')).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('returns the same map when an update changes nothing', () => {
    const map = setKeyed(emptyKeyed<{ n: number }>(), 'x', { n: 1 });
    expect(updateKeyed(map, 'x', () => ({ n: 0 }), (v) => v)).toBe(map);
    expect(updateKeyed(map, 'y', () => ({ n: 0 }), (v) => v)).not.toBe(map);
  });
});
