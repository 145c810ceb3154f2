/**
 * Properties of every projection on generated plausible histories (src/testing/fact-histories.ts):
 * the generator's histories are valid; evolve is pure (deep-frozen states and facts) and states are
 * JSON data; rebuilding from 0 equals live incremental application through the projector, whatever
 * the append chunking; a persisted projector restarted from a checkpoint taken at any position
 * equals the uninterrupted one. The checks themselves (projection-checks.ts) take any history, so
 * they can be re-run on histories the runtime records.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costsProjection } from '../../projections/costs.ts';
import { dagProjection } from '../../projections/dag.ts';
import { stepsProjection } from '../../projections/steps.ts';
import { threadsProjection } from '../../projections/threads.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import type { Projection } from '../../src/projections/projection.ts';
import { factHistoryArbitrary } from '../../src/testing/fact-histories.ts';
import { cutsArbitrary } from './history-store.ts';
import { checkLiveEqualsRebuild, checkPersistedRestart, checkPureAndJson } from './projection-checks.ts';

const PROJECTIONS = [stepsProjection, dagProjection, costsProjection, threadsProjection] as Array<Projection<unknown>>;
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
    fc.assert(fc.property(history, ({ facts }) => checkPureAndJson(projection, facts)), { numRuns: 60 });
  });

  it('rebuilding from 0 equals live incremental application, for any append chunking', async () => {
    await fc.assert(
      fc.asyncProperty(withCuts, fc.integer({ min: 1, max: 7 }), ([{ facts }, cuts], maxBatchFacts) => checkLiveEqualsRebuild(projection, facts, cuts, maxBatchFacts)),
      { numRuns: 25 },
    );
  });

  it('a persisted projector restarted from a checkpoint taken at any position equals the uninterrupted one', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.nat(), fc.integer({ min: 1, max: 5 }), ({ facts }, at, saveEveryFacts) =>
        checkPersistedRestart(projection, facts, at % facts.length, saveEveryFacts),
      ),
      { numRuns: 25 },
    );
  });
});
