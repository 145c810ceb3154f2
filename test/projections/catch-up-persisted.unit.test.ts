/**
 * `catchUpPersisted`: starts from the stored row of the same version (never from the first fact),
 * folds what follows, saves the new row; a store that refuses the save (read-only) gives the same
 * answer unsaved; a row of another version is rebuilt from the first fact.
 */
import { factCodec } from '../../src/facts/fact-codec.ts';
import { describe, expect, it } from 'vitest';
import { stepsProjection } from '../../projections/steps.ts';
import { catchUpPersisted } from '../../src/projections/catch-up-persisted.ts';
import { createInMemoryProjectionStore } from '../../src/projections/in-memory-projection-store.ts';
import { foldFacts } from '../../src/projections/projection.ts';
import type { ProjectionStore } from '../../src/projections/projection-store.ts';
import { ProjectionStoreError } from '../../src/projections/projection-errors.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { simulateHistory, toEventData } from '../../src/testing/fact-histories.ts';
import { appendBatches, readAllFacts } from './history-store.ts';

async function storeWith(seed: number, length: number) {
  const events = getInMemoryEventStore({ codec: factCodec });
  const { facts } = simulateHistory(seed, length);
  const positions: bigint[] = [];
  for (const batch of appendBatches(facts)) {
    const first = batch[0];
    if (!first) continue;
    const { position } = await events.appendToStream(first.streamId, batch.map(toEventData), { expectedRevision: first.revision === 0n ? 'no_stream' : first.revision - 1n });
    positions.push(position);
  }
  return { events, positions };
}

describe('catchUpPersisted', () => {
  it('resumes from the stored checkpoint, folds the rest, saves; equals a fold from the first fact', async () => {
    const { events, positions } = await storeWith(5, 120);
    const all = await readAllFacts(events);
    const middle = positions[Math.floor(positions.length / 2)]!;
    const rows = createInMemoryProjectionStore();
    const head = foldFacts(stepsProjection, all.filter((f) => f.position <= middle));
    await rows.save({ name: 'steps', version: stepsProjection.version, position: middle, state: head });
    const r = await catchUpPersisted(stepsProjection, events, rows);
    expect(r.from).toBe(middle);
    expect(r.applied).toBe(all.filter((f) => f.position > middle).length);
    expect(r.saved).toBe(true);
    expect(r.state).toStrictEqual(foldFacts(stepsProjection, all));
    expect((await rows.load('steps'))?.position).toBe(all.at(-1)!.position);
    const again = await catchUpPersisted(stepsProjection, events, rows);
    expect([again.applied, again.saved]).toEqual([0, false]);
  });

  it('a refused save gives the same answer, unsaved; another version is rebuilt from the first fact', async () => {
    const { events } = await storeWith(6, 80);
    const all = await readAllFacts(events);
    const inner = createInMemoryProjectionStore();
    await inner.save({ name: 'steps', version: stepsProjection.version + 1, position: all.at(-1)!.position, state: { stale: true } });
    const readOnly: ProjectionStore = {
      ...inner,
      save: async (r) => {
        throw new ProjectionStoreError('test', r.name, 'the projection store is open read-only');
      },
    };
    const r = await catchUpPersisted(stepsProjection, events, readOnly);
    expect([r.from, r.saved, r.applied]).toEqual([-1n, false, all.length]);
    expect(r.state).toStrictEqual(foldFacts(stepsProjection, all));
    expect((await inner.load('steps'))?.state).toEqual({ stale: true });
  });
});
