/**
 * The ProjectionStore contract, one suite every adapter's spec calls with its factory: rows
 * round-trip as fresh copies (bigint positions up to 2^62, -1, JSON states), a save replaces the
 * whole row, invalid rows are refused unchanged, rows survive a reopen (a new instance on the same
 * place), a closed store refuses every call with PROJECTION_STORE, and a persisted projector
 * restarted on the store resumes from the saved checkpoint and equals a fold from the first fact.
 */
import { factCodec } from '../../src/facts/fact-codec.ts';
import { describe, expect, it } from 'vitest';
import { stepsProjection } from '../../projections/steps.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { startPersistedProjector } from '../../src/projections/persisted-projector.ts';
import { foldFacts } from '../../src/projections/projection.ts';
import type { ProjectionStore } from '../../src/projections/projection-store.ts';
import { simulateHistory, toEventData } from '../../src/testing/fact-histories.ts';
import { appendBatches, readAllFacts } from './history-store.ts';

/** A place rows live in: `open()` gives a new store instance on it (a reopen); `dispose()` removes it. */
export interface ProjectionStorePlace {
  open(): ProjectionStore | Promise<ProjectionStore>;
  dispose(): Promise<void>;
}

/** Registers the contract tests for one adapter; `place()` makes a new, empty place per test. */
export function runProjectionStoreContract(adapter: string, place: () => Promise<ProjectionStorePlace>): void {
  const withPlace = (fn: (p: ProjectionStorePlace) => Promise<void>) => async () => {
    const p = await place();
    try {
      await fn(p);
    } finally {
      await p.dispose();
    }
  };

  describe(`projection store contract: ${adapter}`, () => {
    it(
      'round-trips rows as fresh copies; a save replaces the whole row; delete removes it',
      withPlace(async (p) => {
        const rows = await p.open();
        expect(await rows.load('p')).toBeUndefined();
        const state = { a: [1, 'x', null], nested: { deep: true, text: 'é ✓ "quoted"' } };
        await rows.save({ name: 'p', version: 3, position: 2n ** 62n, state });
        const loaded = await rows.load('p');
        expect(loaded).toEqual({ name: 'p', version: 3, position: 2n ** 62n, state });
        expect(loaded?.state).not.toBe(state);
        (loaded!.state as { a: unknown[] }).a.push('mutated');
        expect(await rows.load('p')).toEqual({ name: 'p', version: 3, position: 2n ** 62n, state });
        await rows.save({ name: 'p', version: 4, position: -1n, state: { b: 1 } });
        await rows.save({ name: 'q', version: 1, position: 0n, state: [] });
        expect(await rows.load('p')).toEqual({ name: 'p', version: 4, position: -1n, state: { b: 1 } });
        expect(await rows.load('q')).toEqual({ name: 'q', version: 1, position: 0n, state: [] });
        await rows.delete('p');
        await rows.delete('absent');
        expect(await rows.load('p')).toBeUndefined();
        expect(await rows.load('q')).toBeDefined();
        await rows.close();
      }),
    );

    it(
      'refuses invalid rows and leaves the stored row unchanged',
      withPlace(async (p) => {
        const rows = await p.open();
        const good = { name: 'p', version: 1, position: 5n, state: { ok: true } };
        await rows.save(good);
        await expect(rows.save({ name: '', version: 1, position: 0n, state: {} })).rejects.toThrow(/name: must be a non-empty string/);
        await expect(rows.save({ ...good, version: 0 })).rejects.toThrow(/version: must be an integer ≥ 1/);
        await expect(rows.save({ ...good, position: -2n })).rejects.toThrow(/position: must be a bigint ≥ -1/);
        await expect(rows.save({ ...good, state: undefined })).rejects.toThrow(/state: is not JSON-serialisable/);
        await expect(rows.save({ ...good, state: { n: 1n } })).rejects.toMatchObject({ code: 'PROJECTION_STORE' });
        expect(await rows.load('p')).toEqual(good);
        await rows.close();
      }),
    );

    it(
      'rows survive a reopen; a closed store refuses every call (close is idempotent)',
      withPlace(async (p) => {
        const first = await p.open();
        await first.save({ name: 'kept', version: 2, position: 41n, state: { list: [1, 2, 3] } });
        await first.close();
        await first.close();
        await expect(first.load('kept')).rejects.toMatchObject({ code: 'PROJECTION_STORE' });
        await expect(first.save({ name: 'kept', version: 2, position: 42n, state: {} })).rejects.toMatchObject({ code: 'PROJECTION_STORE' });
        await expect(first.delete('kept')).rejects.toMatchObject({ code: 'PROJECTION_STORE' });
        const again = await p.open();
        expect(await again.load('kept')).toEqual({ name: 'kept', version: 2, position: 41n, state: { list: [1, 2, 3] } });
        await again.close();
      }),
    );

    it(
      'a persisted projector restarted on the store resumes from its checkpoint and equals a fold from the first fact',
      withPlace(async (p) => {
        const events = getInMemoryEventStore({ codec: factCodec });
        const { facts } = simulateHistory(11, 160);
        const half = Math.floor(facts.length / 2);
        const append = async (from: number, to: number): Promise<bigint> => {
          let position = -1n;
          for (const batch of appendBatches(facts.slice(from, to))) {
            const first = batch[0];
            if (!first) continue;
            ({ position } = await events.appendToStream(first.streamId, batch.map(toEventData), { expectedRevision: first.revision === 0n ? 'no_stream' : first.revision - 1n }));
          }
          return position;
        };
        const middle = await append(0, half);
        let rows = await p.open();
        const first = await startPersistedProjector(stepsProjection, events, rows, { saveEveryFacts: 25 });
        expect(first.start).toBe('fresh');
        await first.waitForPosition(middle);
        await first.stop();
        await rows.close();

        const last = await append(half, facts.length);
        rows = await p.open();
        expect((await rows.load('steps'))?.position).toBe(middle);
        const second = await startPersistedProjector(stepsProjection, events, rows);
        expect(second.start).toBe('resumed');
        expect(await second.waitForPosition(last)).toStrictEqual(foldFacts(stepsProjection, await readAllFacts(events)));
        await second.stop();
        expect((await rows.load('steps'))?.position).toBe(last);
        await rows.close();
        await events.close();
      }),
    );
  });
}
