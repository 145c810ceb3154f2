/**
 * Properties of every projection on generated plausible histories (test/support/fact-history-arbitrary.ts):
 * the generator's histories are valid; evolve is pure (deep-frozen states and facts) and states are
 * JSON data; rebuilding from 0 equals live incremental application through the projector, whatever
 * the append chunking; a persisted projector restarted from a checkpoint taken at any position
 * equals the uninterrupted one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costsProjection } from '../../projections/costs.ts';
import { dagProjection } from '../../projections/dag.ts';
import { tasksProjection } from '../../projections/tasks.ts';
import { threadsProjection } from '../../projections/threads.ts';
import type { RecordedFact } from '../../src/events/fact-types.ts';
import { factCodec } from '../../src/events/fact-codec.ts';
import { createInMemoryProjectionStore } from '../../src/projections/in-memory-projection-store.ts';
import { startPersistedProjector } from '../../src/projections/persisted-projector.ts';
import { foldFacts, type Projection } from '../../src/projections/projection.ts';
import { startProjector } from '../../src/projections/projector.ts';
import { factHistoryArbitrary } from '../support/fact-history-arbitrary.ts';
import { appendAll, appendBatches, cutsArbitrary, deepFreeze, newStore, readAllFacts } from './history-store.ts';

const PROJECTIONS = [tasksProjection, dagProjection, costsProjection, threadsProjection] as Array<Projection<unknown>>;
const history = factHistoryArbitrary({ maxLength: 50 });
const withCuts = history.chain((h) => fc.tuple(fc.constant(h), cutsArbitrary(h.facts.length)));

describe('generated fact histories', () => {
  it('are valid per the fact schemas, with contiguous revisions and positions', () => {
    fc.assert(
      fc.property(history, ({ facts }) => {
        const revisions = new Map<string, bigint>();
        facts.forEach((f, i) => {
          expect(f.position).toBe(BigInt(i));
          expect(f.revision).toBe(revisions.get(f.streamId) ?? 0n);
          revisions.set(f.streamId, f.revision + 1n);
          const decoded = factCodec.decode(f.type, JSON.parse(JSON.stringify(f.data)), f.metadata.schemaVersion);
          expect(decoded).toMatchObject({ ok: true });
          if (decoded.ok) expect(decoded.data).toStrictEqual(f.data);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('cover the fact types projections care about', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(factHistoryArbitrary({ minLength: 40, maxLength: 60 }), ({ facts }) => void facts.forEach((f) => seen.add(f.type))), { numRuns: 100 });
    for (const t of ['PlanAccepted', 'StepStarted', 'StepCompleted', 'StepFailed', 'StepCancelled', 'ApprovalGranted', 'ApprovalRejected', 'ThreadForked', 'PlannerResponded', 'BudgetExtended', 'InteractionCompleted']) {
      expect(seen, t).toContain(t);
    }
  });
});

describe.each(PROJECTIONS.map((p) => [p.name, p] as const))('projection %s', (_name, projection) => {
  it('never mutates its input state or the fact, and yields JSON data', () => {
    fc.assert(
      fc.property(history, ({ facts }) => {
        let state = deepFreeze(structuredClone(projection.initialState));
        for (const fact of facts) {
          state = deepFreeze(projection.evolve(state, deepFreeze(fact)));
          expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('rebuilding from 0 equals live incremental application, for any append chunking', async () => {
    await fc.assert(
      fc.asyncProperty(withCuts, fc.integer({ min: 1, max: 7 }), async ([{ facts }, cuts], maxBatchFacts) => {
        const { store, clock } = newStore();
        const projector = startProjector(projection, store, { maxBatchFacts });
        await appendAll(store, clock, appendBatches(facts, cuts));
        const live = await projector.waitForPosition(BigInt(facts.length - 1));
        await projector.stop();
        const stored = await readAllFacts(store);
        expect(live).toStrictEqual(foldFacts(projection, stored));
        // and folding in arbitrary chunks (each from the previous state) is the same fold
        let chunked = projection.initialState;
        for (const batch of appendBatches(stored, cuts)) chunked = foldFacts(projection, batch, chunked);
        expect(chunked).toStrictEqual(live);
        await store.close();
      }),
      { numRuns: 25 },
    );
  });

  it('a persisted projector restarted from a checkpoint taken at any position equals the uninterrupted one', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.nat(), fc.integer({ min: 1, max: 5 }), async ({ facts }, at, saveEveryFacts) => {
        const k = at % facts.length; // crash image taken once position k was applied
        const { store, clock } = newStore();
        await appendAll(store, clock, appendBatches(facts.slice(0, k + 1)));
        const rows = new Map();
        const first = await startPersistedProjector(projection, store, createInMemoryProjectionStore(rows), { saveEveryFacts, maxBatchFacts: 3 });
        await first.waitForPosition(BigInt(k));
        const crashImage = new Map(rows); // what a killed process leaves: the last save, maybe behind k
        await first.stop();
        const stopped = new Map(rows);
        expect(stopped.get(projection.name)?.position).toBe(BigInt(k)); // stop() saved everything applied
        await appendAll(store, clock, appendBatches(facts.slice(k + 1)));
        const expected = foldFacts(projection, await readAllFacts(store));
        for (const image of [crashImage, stopped]) {
          const again = await startPersistedProjector(projection, store, createInMemoryProjectionStore(image));
          expect(again.start).toBe(image.size > 0 ? 'resumed' : 'fresh');
          expect(await again.waitForPosition(BigInt(facts.length - 1))).toStrictEqual(expected);
          await again.stop();
        }
        await store.close();
      }),
      { numRuns: 25 },
    );
  });
});

/** Kept for later: the same properties on runtime-produced histories (`RecordedFact[]`). */
export function checkRebuildEqualsIncremental(projection: Projection<unknown>, facts: readonly RecordedFact[]): void {
  expect(foldFacts(projection, facts)).toStrictEqual(foldFacts(projection, facts.slice(Math.floor(facts.length / 2)), foldFacts(projection, facts.slice(0, Math.floor(facts.length / 2)))));
}
