/**
 * OrderedRecord: every version reads as the plain record it was made as (keys in that record's
 * order), whatever is changed later in it or in any other version (forks included); and the thread
 * machine's reservations, now OrderedRecords, read exactly as the plain records the machine built
 * before (a copy per change): same entries in the same order, same JSON, same views sum (float
 * addition order), same state digests of both versions. Properties seeded by `FC_SEED` (printed in
 * the test names).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { threadMachine, type ThreadContext } from '../../machines/thread.machine.ts';
import { OrderedRecord, plainRecord } from '../../src/core/ordered-record.ts';
import { seqsToArrays } from '../../src/core/append-seq.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import { actorDigest } from '../../src/history/fold/state-digest.ts';
import { actorDigestV2 } from '../../src/history/fold/state-digest-v2.ts';
import { initialThreadState, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { threadView } from '../../src/history/fold/views.ts';
import { initialSnapshot, nextSnapshot } from '../../src/history/fold/xstate-adapter.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** Checks every reader of `r` against the plain record `model`. */
function expectReads(r: OrderedRecord<number>, model: Record<string, number>, absent: string): void {
  expect(Object.entries(r.toRecord())).toEqual(Object.entries(model)); // entries in order
  expect(JSON.stringify(r)).toBe(JSON.stringify(model));
  expect(r.size).toBe(Object.keys(model).length);
  for (const [k, v] of Object.entries(model)) {
    expect(r.has(k)).toBe(true);
    expect(r.get(k)).toBe(v);
  }
  expect(r.has(absent)).toBe(Object.hasOwn(model, absent));
}

/** Keys: step-key-like ones, and array-index-like ones (which a plain object orders first, by value). */
const KEYS = ['i1/p/a', 'i1/p/b', 'i1/p/c', 'i2/p/a', 'x', '7', '12', '0', 'i1/q/a'];

describe('OrderedRecord', () => {
  it('changes the newest version in place and forks an older one; each version keeps its entries and order', () => {
    const a = OrderedRecord.empty<number>();
    const b = a.set('x', 1).set('y', 2).set('z', 3);
    const c = b.delete('x');
    const d = c.set('x', 4).set('y', 5); // x last again; y kept in its place
    const fork = b.set('w', 6); // b is no longer the newest: a copy
    expectReads(a, {}, 'x');
    expectReads(b, { x: 1, y: 2, z: 3 }, 'w');
    expectReads(c, { y: 2, z: 3 }, 'x');
    expectReads(d, { y: 5, z: 3, x: 4 }, 'w');
    expectReads(fork, { x: 1, y: 2, z: 3, w: 6 }, 'q');
    expect(d.set('x', 4)).toBe(d);
    expect(d.delete('q')).toBe(d);
    expect(b.toRecord()).toBe(b.toRecord());
    expect(Object.getPrototypeOf(b.toRecord())).toBeNull();
  });

  it('from() keeps a plain record\'s key order, index-like keys first as the object has them', () => {
    const plain = JSON.parse('{"b":1,"3":2,"a":3,"1":4}') as Record<string, number>;
    const r = OrderedRecord.from(plain);
    expectReads(r, plain, 'c');
    const model = { ...plain, 2: 5, c: 6 };
    expectReads(r.set('2', 5).set('c', 6), model, 'd');
  });

  it('seqsToArrays gives a context\'s OrderedRecord as its plain record (a copy)', () => {
    const r = OrderedRecord.empty<number>().set('k', 1);
    const out = seqsToArrays({ n: 1, reservations: r });
    expect(out.reservations).toEqual({ k: 1 });
    expect(out.reservations).not.toBeInstanceOf(OrderedRecord);
    expect(out.reservations).not.toBe(r.toRecord());
  });

  it(`property (seed ${SEED}): after any changes to any versions, every version reads as the plain record it was made as`, () => {
    const op = fc.tuple(fc.nat(), fc.constantFrom(...KEYS), fc.option(fc.integer({ min: -3, max: 3 }), { freq: 3 }));
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 80 }), (ops) => {
        const versions: Array<{ r: OrderedRecord<number>; model: Record<string, number> }> = [{ r: OrderedRecord.empty(), model: {} }];
        for (const [pick, key, value] of ops) {
          // mostly the newest version (as the machine does), sometimes an older one (a fork)
          const from = versions[pick % 4 === 0 ? pick % versions.length : versions.length - 1]!;
          const model = { ...from.model };
          if (value === null) delete model[key];
          else model[key] = value;
          const r = value === null ? from.r.delete(key) : from.r.set(key, value);
          // an older version is read while newer ones exist, before and after its entries are rebuilt
          const old = versions[pick % versions.length]!;
          expectReads(old.r, old.model, key);
          versions.push({ r, model });
        }
        for (const v of versions) expectReads(v.r, v.model, 'none');
      }),
      { numRuns: 300, seed: SEED },
    );
  });
});

/** The thread machine's reservations before they were OrderedRecords: a new plain record per change. */
function oldWithReservation(reservations: Record<string, number>, key: string, usd: number | undefined): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const k of Object.keys(reservations)) if (k !== key) out[k] = reservations[k]!;
  if (usd !== undefined) out[key] = usd;
  return out;
}

const STEP_KEYS = Array.from({ length: 24 }, (_, i) => `i${i % 3}/p/s${i}`);
const parts = (key: string) => {
  const [interactionId, planId, stepId] = key.split('/') as [string, string, string];
  return { interactionId, planId, stepId };
};

describe('thread machine reservations as OrderedRecords', () => {
  it(`property (seed ${SEED}): entries, JSON, views sum and both state digests are the old plain record's, also from older snapshots`, () => {
    const usd = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(0.1, 0.2, 0.3, 1e-17, 1e16));
    const event = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('start' as const), key: fc.constantFrom(...STEP_KEYS), usd }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('StepCompleted' as const, 'StepFailed' as const, 'StepCancelled' as const), key: fc.constantFrom(...STEP_KEYS), usd }) },
    );
    let largest = 0; // the digests take their large-record path from 16 entries
    let forks = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), event), { minLength: 30, maxLength: 120 }), (events) => {
        const opened: Fact = { type: 'ThreadOpened', data: { threadId: 't', policy: { kind: 'custom' } as never, maxIterations: 5 } };
        const first = nextSnapshot(threadMachine, initialSnapshot(threadMachine, { threadId: 't' }), opened);
        const history: Array<{ snap: typeof first; model: Record<string, number>; spent: number }> = [{ snap: first, model: {}, spent: 0 }];
        for (const [pick, e] of events) {
          const from = history[pick % 5 === 0 ? pick % history.length : history.length - 1]!;
          if (from !== history.at(-1)) forks++;
          const fact: Fact =
            e.kind === 'start'
              ? { type: 'StepStarted', data: { ...parts(e.key), attempt: 1, idempotencyKey: 'k', reservedUsd: e.usd, startedAtMs: 1 } }
              : e.kind === 'StepCompleted'
                ? { type: e.kind, data: { ...parts(e.key), attempt: 1, output: null, costUsd: e.usd, durationMs: 1 } }
                : e.kind === 'StepFailed'
                  ? { type: e.kind, data: { ...parts(e.key), attempt: 1, error: { message: 'x' }, retryInMs: null, retryAtMs: null, costUsd: e.usd, durationMs: 1 } }
                  : { type: e.kind, data: { ...parts(e.key), reason: 'r', costUsd: e.usd } };
          const snap = nextSnapshot(threadMachine, from.snap, fact);
          expect(snap.status).toBe('active');
          const settles = e.kind !== 'start';
          const skipped = settles && !Object.hasOwn(from.model, e.key) && e.usd === 0;
          const model = e.kind === 'start' ? oldWithReservation(from.model, e.key, e.usd) : skipped ? from.model : oldWithReservation(from.model, e.key, undefined);
          const next = { snap, model, spent: settles ? from.spent + e.usd : from.spent };
          expectSame(next, from);
          history.push(next);
          largest = Math.max(largest, Object.keys(model).length);
        }
        for (const h of history) expectSame(h);
      }),
      { numRuns: 150, seed: SEED, endOnFailure: true }, // no shrinking: a run folds up to 120 facts
    );
    expect(largest).toBeGreaterThanOrEqual(16);
    expect(forks).toBeGreaterThan(0);
  });
});

type Entry = { snap: { value: unknown; context: ThreadContext; status: string }; model: Record<string, number>; spent: number };

/** The snapshot of `h` reads as its model: reservations entries in order, JSON, views, digests (with `before` as hint). */
function expectSame(h: Entry, before?: Entry): void {
  const c = h.snap.context;
  expect(Object.entries(plainRecord(c.reservations))).toEqual(Object.entries(h.model));
  expect(c.spentUsd).toBe(h.spent);
  const plainCtx = { ...c, reservations: h.model };
  expect(JSON.stringify(c)).toBe(JSON.stringify(plainCtx));
  let sum = 0;
  for (const v of Object.values(h.model)) sum += v; // the views' sum: key order
  const state: ThreadState = { ...initialThreadState('t'), thread: h.snap as never };
  expect(Object.is(threadView(state).reservedUsd, sum)).toBe(true);
  const plainSnap = { value: h.snap.value, context: plainCtx };
  expect(actorDigest('T', h.snap, before?.snap).equals(actorDigest('T', plainSnap))).toBe(true);
  expect([...actorDigestV2('T', h.snap, before?.snap)]).toEqual([...actorDigestV2('T', plainSnap)]);
}
