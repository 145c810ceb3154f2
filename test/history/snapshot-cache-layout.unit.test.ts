/** The snapshot cache entry's packed values (snapshot-cache-layout.ts). Property seeded by `FC_SEED`. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppendSeq } from '../../src/core/append-seq.ts';
import { PackedValueError, packValue, table, unpackValue } from '../../src/history/snapshot-cache/snapshot-cache-layout.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** The value read back from a packed value's JSON, as the decoder reads it. */
function roundTrip(v: unknown): { value: unknown; keys: string[][] } {
  const keys = table<string[]>();
  const packed = JSON.stringify(packValue(v, keys));
  const lists = JSON.parse(JSON.stringify(keys.list)) as string[][];
  return { value: unpackValue(JSON.parse(packed), lists), keys: lists };
}

/** JSON values, and values JSON writes differently (undefined, functions, non-finite numbers, toJSON, `__proto__` and index-like keys). */
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'v' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(undefined, NaN, Infinity, -0, () => 1, 'é🌍\u2028"\\'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', '0', '10', 'toJSON', 'b', 'a')), tie('value'), { maxKeys: 5 }),
    tie('value').map((x) => AppendSeq.from([x, 1])),
  ),
})).value;

describe('snapshot cache packed values', () => {
  it(`property (seed ${SEED}): the packed value reads back as JSON.parse(JSON.stringify(value)), key order included`, () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        const json = JSON.stringify(v);
        const { value } = roundTrip(v);
        if (json === undefined) {
          expect(value).toBeNull(); // JSON has no text for it; the packer writes null (a context key holding undefined is marked by its shape instead)
          return;
        }
        expect(JSON.stringify(value)).toBe(json);
        expect(value).toStrictEqual(JSON.parse(json));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('writes an object\'s keys once per distinct key list', () => {
    const observations = Array.from({ length: 50 }, (_, i) => ({ planId: 'p1', stepId: `s${i}`, action: 'noop', status: 'completed', output: { ok: true } }));
    const keys = table<string[]>();
    const text = JSON.stringify(packValue(observations, keys));
    expect(text).not.toContain('stepId');
    expect(keys.list).toEqual([['ok'], ['planId', 'stepId', 'action', 'status', 'output']]);
    expect(text.length).toBeLessThan(JSON.stringify(observations).length / 2);
  });

  it('an own `__proto__` key stays an own key (not the prototype)', () => {
    const v = JSON.parse('{"__proto__":{"polluted":1},"a":2}') as Record<string, unknown>;
    const { value } = roundTrip(v);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a packed value naming no key list, or not as many values as its list, is refused', () => {
    expect(() => unpackValue([3, 1], [['a']])).toThrow(PackedValueError);
    expect(() => unpackValue([1, 1, 2], [['a']])).toThrow(PackedValueError);
    expect(() => unpackValue([], [])).toThrow(PackedValueError);
    expect(() => unpackValue({ a: 1 }, [])).toThrow(PackedValueError);
    expect(() => unpackValue(['x'], [])).toThrow(PackedValueError);
  });
});
