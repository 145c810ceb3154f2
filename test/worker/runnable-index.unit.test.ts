/**
 * The runnable-threads index, fed the facts a real runtime appended: a thread with a step started
 * and no outcome is runnable; one waiting only for an approval is not (until its expiry is due);
 * a decided approval makes it runnable again; a completed thread is not.
 */
import { describe, expect, it } from 'vitest';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { createRunnableIndex } from '../../src/worker/runnable-index.ts';
import { harness, planOf, readThread, until } from '../runtime/runtime-fixtures.ts';

describe('runnable-threads index', () => {
  it('follows a thread through running, waiting for approval (with expiry), approved, completed', async () => {
    const h = harness({
      script: (req) =>
        req.observations.length === 0
          ? planOf([
              { id: 'a', action: 't.gate', input: {} },
              { id: 'b', action: 't.ok', dependsOn: ['a'], requiresApproval: true, input: {} },
            ], { approvalTimeoutMs: 60_000 })
          : { kind: 'done', answer: 'ok' },
    });
    const index = createRunnableIndex(createActionRegistry([]));
    let seen = 0;
    const feed = async (): Promise<void> => {
      const events = await readThread(h.store, 't');
      for (const e of events.slice(seen)) index.apply(e);
      seen = events.length;
    };
    await h.rt.openThread({ threadId: 't', input: { text: 'go' } });
    await until(() => h.gate.pending.size === 1);
    await feed();
    expect(index.runnable(h.clock.now())).toEqual(['t']); // a step started without an outcome
    for (const k of [...h.gate.pending.keys()]) h.gate.release(k);
    const waiting = await h.rt.whenSettled('t');
    expect(waiting.interactions['i1']?.status).toBe('waiting_approval');
    await feed();
    expect(index.runnable(h.clock.now())).toEqual([]); // only a person can move it now
    const expiry = index.nextWakeMs();
    expect(expiry).toBe(h.clock.now() + 60_000);
    expect(index.runnable(expiry!)).toEqual(['t']); // the expiry is due: an owner must record it
    await h.rt.approve('t', 'b', { by: 'me' });
    const done = await h.rt.whenSettled('t');
    expect(done.live).toEqual([]);
    await feed();
    expect(index.runnable(h.clock.now() + 120_000)).toEqual([]);
    expect(index.size).toBe(1);
    await h.rt.close();
  });
});

describe('runnable-threads index order', () => {
  it('offers the oldest thread first, even when a newer one changed before it (failover goes before the backlog)', async () => {
    const h = harness({ script: () => planOf([{ id: 'a', action: 't.gate', input: {} }]) });
    await h.rt.openThread({ threadId: 'old', input: { text: 'go' } });
    await h.rt.openThread({ threadId: 'new', input: { text: 'go' } });
    await until(() => h.gate.pending.size === 2);
    const older = await readThread(h.store, 'old');
    const newer = await readThread(h.store, 'new');
    const index = createRunnableIndex(createActionRegistry([]));
    // 'old' is seen first, then 'new', then the latest facts of 'old' (its step started later).
    for (const e of older.slice(0, 1)) index.apply(e);
    for (const e of newer) index.apply(e);
    for (const e of older.slice(1)) index.apply(e);
    expect(older.length).toBeGreaterThan(1);
    expect(index.runnable(h.clock.now())).toEqual(['old', 'new']);
    for (const k of [...h.gate.pending.keys()]) h.gate.release(k);
    await h.rt.close();
  });
});
