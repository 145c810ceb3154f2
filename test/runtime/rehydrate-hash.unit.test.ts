/**
 * Property: a runtime that rehydrates a thread from a snapshot cache entry (which carries the saved
 * state's hash accumulator) records, on the facts it appends, exactly the state hashes a runtime
 * without a cache records for the same commands; and replay with `verify` (the full fold) accepts them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { knownAccumulatorV2 } from '../../src/history/fold/state-hash.ts';
import { replayThread } from '../../src/history/replay.ts';
import { createInMemorySnapshotCache, type SnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import type { InMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { harness, planOf, readThread, settle } from './runtime-fixtures.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** A planner answer: done, or a plan of 1–4 `t.ok` steps (a chain or independent). */
const answer: fc.Arbitrary<PlannerOutput> = fc.oneof(
  fc.constant<PlannerOutput>({ kind: 'done', answer: 'ok' }),
  fc.record({ n: fc.integer({ min: 1, max: 4 }), chain: fc.boolean() }).map(({ n, chain }) =>
    planOf(Array.from({ length: n }, (_, i) => ({ id: `s${i}`, action: 't.ok', input: { value: i }, dependsOn: chain && i > 0 ? [`s${i - 1}`] : [] }))),
  ),
);

/** Runs `before` inputs on one runtime, closes it, then `after` inputs on a second one (rehydrating), both with `cache` when given. */
async function run(script: PlannerOutput[], before: number, after: number, snapshotEvery: number, cache?: SnapshotCache): Promise<InMemoryLog> {
  // planner answers: each interaction's first answer from the script, then done
  const planner = () => {
    let n = 0;
    return (req: { iteration: number }): PlannerOutput => (req.iteration > 1 ? { kind: 'done', answer: 'ok' } : (script[n++ % script.length] ?? { kind: 'done', answer: 'ok' }));
  };
  const opts = { ...(cache ? { snapshotCache: cache } : {}), snapshotEvery };
  const first = harness({ script: planner(), ...opts });
  await first.rt.openThread({ threadId: 't', input: { text: 'input 0' } });
  await settle(first.rt, 't', first.clock);
  for (let i = 1; i < before; i++) {
    await first.rt.send('t', `input ${i}`);
    await settle(first.rt, 't', first.clock);
  }
  await first.rt.close();
  const second = harness({ log: first.log, script: planner(), seed: 2, ...opts });
  for (let i = 0; i < after; i++) {
    await second.rt.send('t', `later ${i}`);
    await settle(second.rt, 't', second.clock);
  }
  await second.rt.close();
  return first.log;
}

describe('runtime rehydration from a snapshot cache entry: recorded state hashes', () => {
  it(`property (seed ${SEED}): equal those a runtime without a cache records, and verify against the full fold`, async () => {
    let fromEntries = 0;
    let hashesAfterLoad = 0;
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 30 }), async (script, before, after, every) => {
        const cache = createInMemorySnapshotCache();
        const loads: boolean[] = [];
        const spying: SnapshotCache = {
          ...cache,
          save: (state, o) => cache.save(state, o),
          load: async (threadId, o) => {
            const s = await cache.load(threadId, o);
            loads.push(s !== undefined && knownAccumulatorV2(s) !== undefined);
            return s;
          },
        };
        const store = getInMemoryEventStore({ codec: factCodec, log: await run(script, before, after, every, spying) });
        const cached = await readThread(store, 't');
        const plain = await readThread(getInMemoryEventStore({ codec: factCodec, log: await run(script, before, after, every) }), 't');
        const view = (es: typeof cached) => es.map((e) => ({ revision: e.revision, type: e.type, data: e.data, hash: e.metadata.snapshotHash }));
        expect(view(cached)).toEqual(view(plain));
        const firstAfterLoad = cached.findIndex((e) => e.type === 'InputReceived' && (e.data as { text: string }).text === 'later 0');
        hashesAfterLoad += cached.slice(firstAfterLoad).filter((e) => e.metadata.snapshotHash !== undefined).length;
        if (loads.includes(true)) fromEntries++;
        steps += cached.filter((e) => e.type === 'StepCompleted').length;
        await replayThread(store, 't', { verify: true });
      }),
      { numRuns: 12, seed: SEED },
    );
    expect(fromEntries).toBe(12); // every second runtime loaded an entry with the accumulator
    expect(hashesAfterLoad).toBeGreaterThan(12);
    expect(steps).toBeGreaterThan(12); // the scripts reach plans whose steps run
  });
});
