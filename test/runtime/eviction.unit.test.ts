import { describe, expect, it } from 'vitest';
import { checkReplay } from '../../src/testing/check-replay.ts';
import { createInMemorySnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import { assertNoDuplicates, harness, planOf, readThread, settle, until } from './runtime-fixtures.ts';

const done = { kind: 'done', answer: 'ok' } as const;
const gated = planOf([{ id: 'x', action: 't.ok', requiresApproval: true }]);

/** True when `threadId` is not held in memory by `rt` (never loaded, or evicted). */
function evicted(rt: Runtime, threadId: string): boolean {
  try {
    rt.state(threadId);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'THREAD_NOT_FOUND';
  }
}

describe('idle threads are evicted and rehydrated on demand', () => {
  it('beyond maxIdleThreads the least recently used idle thread leaves memory; approve, cancel, send and close still work on it, and replay equals live', async () => {
    const h = harness({ script: [gated, gated, done, done], maxIdleThreads: 1 });
    await h.rt.openThread({ threadId: 'a', input: { text: 'go' } });
    expect((await settle(h.rt, 'a', h.clock)).interactions.i1!.status).toBe('waiting_approval');
    await h.rt.openThread({ threadId: 'c', input: { text: 'go' } });
    expect((await settle(h.rt, 'c', h.clock)).interactions.i1!.status).toBe('waiting_approval');
    await until(() => evicted(h.rt, 'a')); // two idle threads, room for one
    expect(evicted(h.rt, 'c')).toBe(false);

    await h.rt.approve('a', 'x', { by: 'ann' }); // rehydrates a, then the step runs
    expect((await settle(h.rt, 'a', h.clock)).interactions.i1!.status).toBe('completed');
    await until(() => evicted(h.rt, 'c'));

    expect(await h.rt.cancel('c', { reason: 'not needed' })).toEqual({ cancelled: ['i1'] });
    expect((await settle(h.rt, 'c', h.clock)).interactions.i1!.status).toBe('cancelled');
    await until(() => evicted(h.rt, 'a'));

    await h.rt.send('a', 'again');
    const a = await settle(h.rt, 'a', h.clock);
    expect(a.interactions.i2!.status).toBe('completed');
    await h.rt.closeThread('c');
    const c = await settle(h.rt, 'c', h.clock);
    expect(c.status).toBe('closed');
    expect(h.counters.calls['t.ok']).toBe(1); // c's step was cancelled before it ran

    // the live states (as the runners held them) and the states rehydrated now equal the replays
    for (const live of [a, c, await h.rt.load('a'), await h.rt.load('c')]) {
      const report = await checkReplay(h.store, live.threadId);
      expect(hashThreadState(summaryState(live))).toBe(report.finalHash);
      expect(live.revision).toBe(BigInt(report.facts - 1));
      expect((await h.rt.replay(live.threadId, { verify: true })).revision).toBe(live.revision);
      assertNoDuplicates(await readThread(h.store, live.threadId));
    }
    await h.rt.close();
  });

  it('keeps threads that are busy, have a timer armed or are followed through state$', async () => {
    const h = harness({ script: [planOf([{ id: 'x', action: 't.ok' }], { requiresApproval: true, approvalTimeoutMs: 5_000 }), done], maxIdleThreads: 0 });
    await h.rt.openThread({ threadId: 'timer', input: { text: 'go' } });
    expect((await settle(h.rt, 'timer', h.clock)).interactions.i1!.status).toBe('waiting_approval');
    await h.rt.openThread({ threadId: 'watched' });
    const seen: bigint[] = [];
    const sub = h.rt.state$('watched').subscribe((s) => seen.push(s.revision));
    await h.rt.openThread({ threadId: 'plain' });
    await until(() => evicted(h.rt, 'plain'));
    expect(evicted(h.rt, 'timer')).toBe(false); // the approval expires on this runtime's timer
    expect(evicted(h.rt, 'watched')).toBe(false);
    sub.unsubscribe();
    await until(() => evicted(h.rt, 'watched'));
    expect(seen.at(-1)).toBe(0n);
    h.clock.increment(5_000); // the approval expires, the plan is rejected, the thread settles and leaves
    await until(() => evicted(h.rt, 'timer'));
    expect((await h.rt.load('timer')).interactions.i1!.status).not.toBe('waiting_approval');
    await h.rt.close();
  });

  it('saves an evicted thread to the snapshot cache and rehydrates from it', async () => {
    const cache = createInMemorySnapshotCache();
    const h = harness({ script: [gated, done], maxIdleThreads: 0, snapshotCache: cache });
    await h.rt.openThread({ threadId: 't', input: { text: 'go' } });
    const s = await settle(h.rt, 't', h.clock);
    await until(() => evicted(h.rt, 't'));
    expect((await cache.load('t'))?.revision).toBe(s.revision);
    await h.rt.approve('t', 'x', { by: 'ann' });
    expect((await settle(h.rt, 't', h.clock)).interactions.i1!.status).toBe('completed');
    expect(h.counters.calls['t.ok']).toBe(1);
    await h.rt.close();
    expect((await h.rt.replay('t', { verify: true })).revision).toBeGreaterThan(s.revision);
  });
});
