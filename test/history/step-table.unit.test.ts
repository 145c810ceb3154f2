/** The fold's step records (src/history/fold/step-table.ts) read as immutable plain records. Property seeded by `FC_SEED`. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStepRecord, deriveStepRecord, isTableRecord, recordKeys, recordNote, recordSize, setRecordNote, type RecordBase } from '../../src/history/fold/step-table.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** A base of `keys` (value of key k: `-(index + 1)`), counting the values it makes. */
function countingBase(keys: readonly string[]): RecordBase<number> & { makes: Map<string, number> } {
  const at = new Map(keys.map((k, i) => [k, i]));
  const makes = new Map<string, number>();
  return {
    makes,
    get(key) {
      const i = at.get(key);
      if (i === undefined) return undefined;
      makes.set(key, (makes.get(key) ?? 0) + 1);
      return -(i + 1);
    },
    has: (key) => at.has(key),
    keys: () => keys,
  };
}

describe('step records', () => {
  it(`property (seed ${SEED}): records derived from any earlier record read as the model, which later writes never change`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer()), { maxLength: 40 })), { maxLength: 30 }),
        (batches) => {
          const versions: Array<{ record: Record<string, number>; model: Map<string, number> }> = [{ record: deriveStepRecord<number>({}).record, model: new Map() }];
          for (const [pick, writes] of batches) {
            const from = versions[pick % versions.length]!;
            const w = deriveStepRecord(from.record);
            const model = new Map(from.model);
            for (const [k, v] of writes) {
              w.set(`i1/p1/s${k}`, v);
              model.set(`i1/p1/s${k}`, v);
            }
            versions.push({ record: w.record, model });
          }
          for (const { record, model } of versions) {
            expect(Object.keys(record)).toEqual([...model.keys()]);
            for (const [k, v] of model) expect(record[k]).toBe(v);
            expect(record['i1/p1/s-1']).toBeUndefined();
            expect('i1/p1/s-1' in record).toBe(false);
          }
        },
      ),
      { numRuns: 100, seed: SEED },
    );
  });

  it(`property (seed ${SEED}): records derived from one built over a base read as the model: base keys first, in place when written, new keys after`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.tuple(fc.nat(), fc.array(fc.tuple(fc.integer({ min: 0, max: 800 }), fc.integer()), { maxLength: 60 })), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 800 }), { maxLength: 10 }),
        (baseSize, batches, extra) => {
          const baseKeys = Array.from({ length: baseSize }, (_, i) => `i${i % 7}/p1/s${i}`);
          const base = countingBase(baseKeys);
          const builder = buildStepRecord<number>(base);
          const model0 = new Map<string, number>(baseKeys.map((k, i) => [k, -(i + 1)]));
          for (const e of extra) {
            const k = `extra/${e}`;
            if (model0.has(k)) continue;
            builder.set(k, e);
            model0.set(k, e);
          }
          const versions: Array<{ record: Record<string, number>; model: Map<string, number> }> = [{ record: builder.done(), model: model0 }];
          const keyOf = (k: number) => (k < 400 ? `i${k % 7}/p1/s${k}` : `i9/p2/s${k}`); // base keys (when k < baseSize) and new ones
          for (const [pick, writes] of batches) {
            const from = versions[pick % versions.length]!;
            const w = deriveStepRecord(from.record);
            const model = new Map(from.model);
            for (const [k, v] of writes) {
              w.set(keyOf(k), v);
              model.set(keyOf(k), v);
            }
            versions.push({ record: w.record, model });
          }
          for (const { record, model } of versions) {
            for (const k of ['i1/p1/s-1', 'i9/p2/s-1']) {
              expect(k in record).toBe(false);
              expect(record[k]).toBeUndefined();
            }
            expect(recordKeys(record)).toEqual([...model.keys()]);
            expect(recordSize(record)).toBe(model.size);
            expect(Object.keys(record)).toEqual([...model.keys()]);
            for (const [k, v] of model) expect(record[k]).toBe(v);
          }
        },
      ),
      { numRuns: 100, seed: SEED },
    );
  });

  it('over a base, membership, recordKeys and recordSize make no value; a read makes it', () => {
    const base = countingBase(['a', 'b', 'c']);
    const rec = buildStepRecord(base).done();
    expect('a' in rec && 'c' in rec && !('d' in rec)).toBe(true);
    expect(base.makes.size).toBe(0);
    const w = deriveStepRecord(rec);
    w.set('b', 20);
    w.set('d', 4);
    expect(w.record.a).toBe(-1);
    expect(rec.b).toBe(-2);
    expect(w.record.b).toBe(20);
    expect(recordKeys(w.record)).toEqual(['a', 'b', 'c', 'd']);
    expect(recordSize(w.record)).toBe(4);
    expect(base.makes.has('c')).toBe(false); // listed and counted, not made
    expect(recordKeys({ x: 1, y: 2 })).toEqual(['x', 'y']);
    expect(recordSize({ x: 1, y: 2 })).toBe(2);
    expect(Object.keys(w.record)).toEqual(['a', 'b', 'c', 'd']);
    expect(Object.keys(rec)).toEqual(['a', 'b', 'c']);
    expect(JSON.stringify(w.record)).toBe('{"a":-1,"b":20,"c":-3,"d":4}');
  });

  it('derive from a record without changing it, in insertion order, across diverging lineages', () => {
    const a = deriveStepRecord<number>({ x: 1 });
    for (let i = 0; i < 1000; i++) a.set(`k${i}`, i);
    const b = deriveStepRecord(a.record);
    b.set('k5', -5);
    b.set('new', 7);
    const c = deriveStepRecord(a.record); // a second lineage from the same record
    c.set('other', 8);
    expect(a.record.k5).toBe(5);
    expect('new' in a.record).toBe(false);
    expect(b.record.k5).toBe(-5);
    expect(Object.keys(b.record)).toEqual(['x', ...Array.from({ length: 1000 }, (_, i) => `k${i}`), 'new']);
    expect(Object.keys(c.record).at(-1)).toBe('other');
    expect(Object.keys(c.record)).toHaveLength(1002);
    expect('new' in c.record).toBe(false);
    expect(Object.keys(a.record)).toHaveLength(1001);
    expect({ ...b.record }).toEqual({ ...Object.fromEntries(Object.entries(a.record)), k5: -5, new: 7 });
    expect(JSON.parse(JSON.stringify(c.record))).toEqual({ ...a.record, other: 8 });
    expect(Object.prototype.hasOwnProperty.call(b.record, 'new')).toBe(true);
  });

  it('refuses writes through the record', () => {
    const { record } = deriveStepRecord<number>({});
    expect(() => {
      record.a = 1;
    }).toThrow(TypeError);
    expect(() => delete record.a).toThrow(TypeError);
  });

  it('tells its records from plain ones, a plain record it derived from included, and shows no key of its own', () => {
    const plain = { a: 1 };
    const { record } = deriveStepRecord<number>(plain);
    expect(isTableRecord(record)).toBe(true);
    expect(isTableRecord(plain)).toBe(false);
    expect(isTableRecord({})).toBe(false);
    expect(Reflect.ownKeys(record)).toEqual(['a']);
    expect(Object.getOwnPropertySymbols(record)).toEqual([]);
  });

  it('keeps a note per record, not shared with the records derived from it; a plain record keeps none', () => {
    const first = deriveStepRecord<number>({});
    expect(recordNote(first.record)).toBeUndefined();
    const note = { any: 'thing' };
    expect(setRecordNote(first.record, note)).toBe(true);
    expect(recordNote(first.record)).toBe(note);
    const next = deriveStepRecord(first.record);
    expect(recordNote(next.record)).toBeUndefined();
    expect(recordNote(first.record)).toBe(note);
    const plain = { a: 1 };
    expect(setRecordNote(plain, note)).toBe(false);
    expect(recordNote(plain)).toBeUndefined();
    expect(Reflect.ownKeys(plain)).toEqual(['a']);
  });
});
