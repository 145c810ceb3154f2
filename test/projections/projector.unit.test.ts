/** The in-process projector and the persisted projector over the in-memory event store. */
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { stepInteraction, stepsProjection, type StepsState } from '../../projections/steps.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventDecodeError } from '../../src/store/errors.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { createInMemoryProjectionStore } from '../../src/projections/in-memory-projection-store.ts';
import { startPersistedProjector } from '../../src/projections/persisted-projector.ts';
import { foldFacts, type Projection } from '../../src/projections/projection.ts';
import type { ProjectionError } from '../../src/projections/projection-errors.ts';
import { isProjectionError, isProjectionStoreError } from '../../src/projections/projection-errors.ts';
import { START_POSITION, startProjector } from '../../src/projections/projector.ts';
import { toEventData } from '../../src/testing/fact-histories.ts';
import { planPrefix, recorded, step, type FactSpec } from './fact-builder.ts';
import { newStore, readAllFacts } from './history-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const appendSpecs = async (store: ReturnType<typeof newStore>['store'], specs: FactSpec[], first = 0): Promise<void> => {
  for (const f of recorded(specs, first)) await store.appendToStream(f.streamId, [toEventData(f)]);
};
/** A step fact for a step no plan declares: steps refuses it. */
const poison: FactSpec = { type: 'StepReady', data: step('nope') };

describe('projector', () => {
  it('catches up, then follows live appends; state$ replays the current state then one state per batch', async () => {
    const { store } = newStore();
    await appendSpecs(store, planPrefix([{ id: 'a' }]));
    const projector = startProjector(stepsProjection, store);
    expect(projector.position()).toBe(START_POSITION);
    expect(await projector.waitForPosition(3n)).toBe(projector.get());
    expect(stepInteraction(projector.get(), 't1', 'i1')?.plans.p1?.steps.a?.status).toBe('ready'); // a root
    const seen: StepsState[] = [];
    const sub = projector.state$.subscribe((s) => seen.push(s));
    await appendSpecs(store, [{ type: 'StepStarted', data: { ...step('a'), attempt: 1, idempotencyKey: 'a1', startedAtMs: 0 } }], 4);
    await projector.waitForPosition(4n);
    expect(seen).toHaveLength(2);
    expect((seen[1] && stepInteraction(seen[1], 't1', 'i1'))?.plans.p1?.steps.a?.status).toBe('running');
    expect(projector.status()).toEqual({ kind: 'running', position: 4n });
    sub.unsubscribe();
    await projector.stop();
    expect(projector.status()).toEqual({ kind: 'stopped', position: 4n });
    await expect(projector.waitForPosition(9n)).rejects.toThrow(/stopped at position 4/);
    await store.close();
  });

  it('on a failing fact: ProjectionError naming projection, stream and revision; state and checkpoint stay before it', async () => {
    const { store } = newStore();
    await appendSpecs(store, [...planPrefix([{ id: 'a' }]), poison, { type: 'StepReady', data: step('a') }]);
    const projector = startProjector(stepsProjection, store);
    const reached = projector.waitForPosition(3n); // reached in the same batch as the failing fact
    const states = lastValueFrom(projector.state$.pipe(toArray()));
    const err = await states.then(() => undefined, (e: unknown) => e);
    expect(isProjectionError(err)).toBe(true);
    const pe = err as ProjectionError;
    expect(pe).toMatchObject({ code: 'PROJECTION_FAILED', projection: 'steps', streamId: 'thread-t1', revision: 4n, position: 4n, factType: 'StepReady' });
    expect(pe.message).toMatch(/projection 'steps' failed on fact 'StepReady' at stream 'thread-t1' revision 4 \(position 4\): StepReady: unknown step 'nope'/);
    expect(projector.position()).toBe(3n);
    expect(await reached).toBe(projector.get());
    expect(projector.get()).toStrictEqual(foldFacts(stepsProjection, (await readAllFacts(store)).slice(0, 4)));
    expect(projector.status()).toMatchObject({ kind: 'failed', position: 3n, error: pe });
    await expect(firstValueFrom(projector.state$)).rejects.toBe(pe);
    await expect(projector.waitForPosition(5n)).rejects.toBe(pe);
    await projector.stop();
    await store.close();
  });

  it('persisted: the checkpoint stops before the failing fact, a restart retries it, a fixed version applies it', async () => {
    const { store } = newStore();
    await appendSpecs(store, [...planPrefix([{ id: 'a' }]), poison, { type: 'StepReady', data: step('a') }]);
    const rows = createInMemoryProjectionStore();
    const first = await startPersistedProjector(stepsProjection, store, rows);
    await expect(first.waitForPosition(5n)).rejects.toMatchObject({ code: 'PROJECTION_FAILED', revision: 4n });
    expect((await rows.load('steps'))?.position).toBe(3n);
    const again = await startPersistedProjector(stepsProjection, store, rows);
    expect(again.start).toBe('resumed');
    await expect(again.waitForPosition(5n)).rejects.toMatchObject({ code: 'PROJECTION_FAILED', revision: 4n });
    // the fix: a new version that passes over unknown steps → the stored row is rebuilt from 0
    const fixed: Projection<StepsState> = {
      ...stepsProjection,
      version: stepsProjection.version + 1,
      evolve: (s, f) => (f.type === 'StepReady' && f.data.stepId === 'nope' ? s : stepsProjection.evolve(s, f)),
    };
    const rebuilt = await startPersistedProjector(fixed, store, rows);
    expect(rebuilt.start).toBe('rebuilt');
    expect(stepInteraction(await rebuilt.waitForPosition(5n), 't1', 'i1')?.plans.p1?.steps.a?.status).toBe('ready');
    await rebuilt.stop();
    expect(await rows.load('steps')).toMatchObject({ version: stepsProjection.version + 1, position: 5n });
    await store.close();
  });

  it('fails with the store error on an undecodable event, and passes over events that are not facts', async () => {
    const log = createInMemoryLog();
    const raw = getInMemoryEventStore({ log, codec: rawCodec });
    await raw.appendToStream('audit', [{ id: '00000000-0000-4000-8000-00000000000a', type: 'AuditNote', data: { note: 'x' } }]);
    const rawProjector = startProjector(stepsProjection, raw);
    await rawProjector.waitForPosition(0n);
    expect(rawProjector.get()).toBe(stepsProjection.initialState);
    await rawProjector.stop();
    const facts = getInMemoryEventStore({ codec: factCodec, log });
    const projector = startProjector(stepsProjection, facts);
    const err = await lastValueFrom(projector.state$).catch((e: unknown) => e);
    expect(isEventDecodeError(err)).toBe(true);
    expect(projector.status()).toMatchObject({ kind: 'failed', position: START_POSITION });
    await Promise.all([raw.close(), facts.close()]);
  });

  it('completes state$ when the store closes', async () => {
    const { store } = newStore();
    await appendSpecs(store, planPrefix([{ id: 'a' }]));
    const projector = startProjector(stepsProjection, store);
    await projector.waitForPosition(3n);
    const done = lastValueFrom(projector.state$);
    await store.close();
    expect(stepInteraction(await done, 't1', 'i1')).toBeDefined();
    expect(projector.status()).toEqual({ kind: 'stopped', position: 3n });
  });

  it('fails when a save fails (state not JSON-serialisable), naming the projection', async () => {
    const { store } = newStore();
    await appendSpecs(store, planPrefix([{ id: 'a' }]));
    const bad: Projection<{ n: bigint }> = { name: 'bad', version: 1, initialState: { n: 0n }, evolve: (s) => ({ n: s.n + 1n }) };
    const projector = await startPersistedProjector(bad, store, createInMemoryProjectionStore());
    const err = await projector.waitForPosition(3n).catch((e: unknown) => e);
    expect(isProjectionStoreError(err)).toBe(true);
    expect((err as Error).message).toMatch(/projection 'bad': state: is not JSON-serialisable/);
    expect(projector.status().kind).toBe('failed');
    await store.close();
  });

  it('refuses bad options', async () => {
    const { store } = newStore();
    expect(() => startProjector(stepsProjection, store, { maxBatchFacts: 0 })).toThrow(RangeError);
    await expect(startPersistedProjector(stepsProjection, store, createInMemoryProjectionStore(), { saveEveryFacts: 1.5 })).rejects.toThrow(/saveEveryFacts/);
    await store.close();
  });
});

describe('in-memory projection store', () => {
  it('round-trips rows as fresh copies and refuses invalid rows', async () => {
    const rows = createInMemoryProjectionStore();
    const state = { a: [1, 'x', null] };
    await rows.save({ name: 'p', version: 1, position: 7n, state });
    const loaded = await rows.load('p');
    expect(loaded).toEqual({ name: 'p', version: 1, position: 7n, state });
    expect(loaded?.state).not.toBe(state);
    await expect(rows.save({ name: '', version: 1, position: 0n, state })).rejects.toThrow(/name: must be a non-empty string/);
    await expect(rows.save({ name: 'p', version: 0, position: 0n, state })).rejects.toThrow(/version: must be an integer ≥ 1/);
    await expect(rows.save({ name: 'p', version: 1, position: -2n, state })).rejects.toThrow(/position: must be a bigint ≥ -1/);
    await expect(rows.save({ name: 'p', version: 1, position: 0n, state: undefined })).rejects.toThrow(/state: is not JSON-serialisable/);
    await rows.delete('p');
    expect(await rows.load('p')).toBeUndefined();
    await rows.close();
    await expect(rows.load('p')).rejects.toMatchObject({ code: 'PROJECTION_STORE' });
  });
});
