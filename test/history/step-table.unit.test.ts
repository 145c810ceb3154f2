/** The fold's step records (src/history/fold/step-table.ts) read as immutable plain records. Property seeded by `FC_SEED`. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStepRecord, DeferredGroup, deriveStepRecord } from '../../src/history/fold/step-table.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

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
  it('built with deferred values: each made once, on its first read, the same object for every record derived from it', () => {
    const made: string[] = [];
    const b = buildStepRecord<{ k: string }>();
    const groups = [0, 1, 2].map(() => new DeferredGroup((k: string) => (made.push(k), { k })));
    for (let i = 0; i < 100; i++) b.defer(`k${i}`, groups[i % 3]!);
    b.set('plain', { k: 'plain' });
    const rec = b.done();
    expect('k5' in rec && 'plain' in rec && !('nope' in rec)).toBe(true);
    expect(made).toEqual([]); // membership makes nothing (enumerating keys does: it reads each property's descriptor)
    const w = deriveStepRecord(rec);
    w.set('k7', { k: 'new' });
    w.set('k200', { k: 'k200' });
    const a = rec.k3;
    expect(a).toEqual({ k: 'k3' });
    expect(w.record.k3).toBe(a); // made once, shared
    expect(rec.k7).toEqual({ k: 'k7' });
    expect(w.record.k7).toEqual({ k: 'new' });
    expect(made).toEqual(['k3', 'k7']);
    expect(Object.values(w.record)).toHaveLength(102); // reading everything makes the rest
    expect(made).toHaveLength(100);
    expect(Object.entries(rec).map(([k, v]) => [k, v.k])).toEqual([...Array.from({ length: 100 }, (_, i) => [`k${i}`, `k${i}`]), ['plain', 'plain']]);
  });
  it('a deferred value is made once even when records derived before its first read copied the leaf holding it', () => {
    let makes = 0;
    const b = buildStepRecord<{ k: string }>();
    const group = new DeferredGroup((k: string) => (makes++, { k }));
    for (const k of ['a', 'b', 'c']) b.defer(k, group); // a small record: one leaf
    const base = b.done();
    const w = deriveStepRecord(base);
    w.set('d', { k: 'd' }); // copies the leaf, markers and all
    const fromDerived = w.record.a;
    expect(base.a).toBe(fromDerived);
    expect(deriveStepRecord(w.record).record.a).toBe(fromDerived);
    expect(makes).toBe(1);
  });
});
