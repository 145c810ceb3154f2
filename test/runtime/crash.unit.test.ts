/**
 * Crash and resume: a runtime is dropped (closed: its running effects are aborted and their results
 * discarded, as after a kill) and a fresh runtime on the same store rehydrates the thread.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { replayThread } from '../../src/history/replay.ts';
import { createInMemorySnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import { harness, planOf, readThread, scriptedPlanner, settle, testActions, until } from './runtime-fixtures.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';

const done = { kind: 'done', answer: 'ok' } as const;

function pair(script: Parameters<typeof scriptedPlanner>[0]) {
  const log = createInMemoryLog();
  const clock = new SimulatedClock();
  const actions = testActions();
  const planner = scriptedPlanner(script);
  return {
    log,
    clock,
    actions,
    planner,
    first: harness({ log, clock, actions, planner, seed: 1 }),
    second: () => harness({ log, clock, actions, planner, seed: 2 }),
  };
}

describe('crash and resume from the log', () => {
  it('mid-plan: completed steps are not re-run, a started step without outcome is re-run with the same key', async () => {
    const p = pair([
      planOf([
        { id: 'a', action: 't.ok', input: { value: 1 } },
        { id: 'b', action: 't.gate', dependsOn: ['a'] },
        { id: 'c', action: 't.ok', input: { value: '{{steps.b.output.n}}' }, dependsOn: ['b'] },
      ]),
      done,
    ]);
    await p.first.rt.openThread({ threadId: 't' });
    await p.first.rt.send('t', 'go');
    await until(() => p.actions.gate.pending.has('t/i1/p1/b/1'));
    await p.first.rt.close(); // crash: b's run is aborted, its outcome never recorded
    const afterCrash = await readThread(p.first.store, 't');
    expect(afterCrash.filter((e) => e.type === 'StepStarted').map((e) => (e.data as { stepId: string }).stepId)).toEqual(['a', 'b']);
    expect(afterCrash.some((e) => e.type === 'StepCompleted' && (e.data as { stepId: string }).stepId === 'b')).toBe(false);

    const second = p.second();
    const loaded = await second.rt.load('t');
    expect(loaded.interactions.i1!.status).toBe('executing');
    await until(() => p.actions.gate.pending.has('t/i1/p1/b/1'));
    p.actions.gate.release('t/i1/p1/b/1', { n: 7 });
    const s = await settle(second.rt, 't', p.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed' });
    expect(p.actions.counters.keys).toEqual(['t/i1/p1/a/1', 't/i1/p1/b/1', 't/i1/p1/b/1', 't/i1/p1/c/1']);
    expect(s.interactions.i1!.observations.map((o) => [o.stepId, o.output])).toEqual([
      ['a', { value: 1 }],
      ['b', { n: 7 }],
      ['c', { value: 7 }],
    ]);
    const events = await readThread(second.store, 't');
    expect(events.filter((e) => e.type === 'StepStarted')).toHaveLength(3); // the re-run is the same attempt
    expect(hashThreadState(await replayThread(second.store, 't', { verify: true }))).toBe(hashThreadState(summaryState(s)));
    await second.rt.close();
  });

  it('a planning call lost in the crash is made again after load', async () => {
    const log = createInMemoryLog();
    const clock = new SimulatedClock();
    let calls = 0;
    const hanging = { plan: () => (calls++, new Promise<never>(() => {})) };
    const first = harness({ log, clock, planner: hanging, seed: 1 });
    await first.rt.openThread({ threadId: 't' });
    await first.rt.send('t', 'go');
    await until(() => calls === 1);
    await first.rt.close();
    const second = harness({ log, clock, seed: 2, script: [done] });
    expect((await second.rt.load('t')).interactions.i1!.status).toBe('planning');
    const s = await settle(second.rt, 't', clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed', answer: 'ok', iteration: 1 });
    const types = (await readThread(second.store, 't')).map((e) => e.type);
    expect(types.filter((t) => t === 'PlanningRequested')).toHaveLength(1);
    expect(types.filter((t) => t === 'PlannerResponded')).toHaveLength(1);
    await second.rt.close();
  });

  it('an interrupted interaction stays interrupted across a restart, and resumes from the log', async () => {
    const p = pair([planOf([{ id: 'g', action: 't.gate' }]), done]);
    await p.first.rt.openThread({ threadId: 't' });
    await p.first.rt.send('t', 'go');
    await until(() => p.actions.gate.pending.has('t/i1/p1/g/1'));
    await p.first.rt.interrupt('t', 'i1', { kind: 'after_step', stepId: 'g', reason: 'review' });
    await p.first.rt.close();
    const second = p.second();
    const loaded = await second.rt.load('t');
    expect(loaded.interactions.i1).toMatchObject({ status: 'interrupted', interrupt: { kind: 'after_step', stepId: 'g', reason: 'review' } });
    // the step started before the crash is run again (same key); its outcome is recorded while paused
    await until(() => p.actions.gate.pending.has('t/i1/p1/g/1'));
    p.actions.gate.release('t/i1/p1/g/1');
    const paused = await settle(second.rt, 't', p.clock);
    expect(paused.interactions.i1).toMatchObject({ status: 'interrupted' });
    expect(paused.interactions.i1!.observations).toHaveLength(1);
    expect(p.planner.calls).toBe(1);
    await second.rt.resume('t');
    const s = await settle(second.rt, 't', p.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    expect(p.actions.counters.keys).toEqual(['t/i1/p1/g/1', 't/i1/p1/g/1']);
    expect(p.planner.calls).toBe(2);
    await second.rt.close();
  });

  it('a waiting approval survives a restart; its expiry timer is re-armed from the recorded request time', async () => {
    const p = pair([planOf([{ id: 'a', action: 't.ok' }], { requiresApproval: true, approvalTimeoutMs: 5_000 }), done]);
    await p.first.rt.openThread({ threadId: 't' });
    await p.first.rt.send('t', 'go');
    expect((await settle(p.first.rt, 't', p.clock)).interactions.i1!.status).toBe('waiting_approval');
    await p.first.rt.close();
    p.clock.increment(3_000);
    const second = p.second();
    expect((await second.rt.load('t')).interactions.i1!.pendingApprovals).toEqual(['i1.p1.plan']);
    await second.rt.whenIdle('t');
    p.clock.increment(1_999);
    await second.rt.whenIdle('t');
    expect(second.rt.state('t').interactions.i1!.status).toBe('waiting_approval');
    p.clock.increment(1);
    const s = await settle(second.rt, 't', p.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const rejected = (await readThread(second.store, 't')).find((e) => e.type === 'ApprovalRejected');
    expect(rejected?.data).toMatchObject({ timedOut: true });
    await second.rt.close();
  });

  it('a retry backoff timer is re-armed after a restart', async () => {
    const p = pair([planOf([{ id: 'f', action: 't.flaky', input: { failTimes: 1 }, retry: { maxAttempts: 2, backoffMs: 1_000 } }]), done]);
    await p.first.rt.openThread({ threadId: 't' });
    await p.first.rt.send('t', 'go');
    await p.first.rt.whenIdle('t');
    expect(p.actions.counters.calls['t.flaky']).toBe(1);
    await p.first.rt.close();
    const second = p.second();
    await second.rt.load('t');
    await second.rt.whenIdle('t');
    expect(p.actions.counters.calls['t.flaky']).toBe(1);
    p.clock.increment(1_000);
    const s = await settle(second.rt, 't', p.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    expect(p.actions.counters.keys).toEqual(['t/i1/p1/f/1', 't/i1/p1/f/2']);
    await second.rt.close();
  });

  it('rehydrates from a cached snapshot plus the facts after it, to the same state as a full fold', async () => {
    const p = pair([planOf([{ id: 'a', action: 't.ok' }, { id: 'b', action: 't.ok', dependsOn: ['a'] }]), { kind: 'done', answer: 'ok' }]);
    const cache = createInMemorySnapshotCache();
    const mk = (seed: number) => createRuntime({ store: p.first.store, actions: p.actions.registry, plannerFor: () => p.planner, clock: p.clock, ids: sequentialIds(seed), snapshotCache: cache, snapshotEvery: 5 });
    const rt1 = mk(1);
    await rt1.openThread({ threadId: 't' });
    await rt1.send('t', 'one');
    const s1 = await settle(rt1, 't', p.clock);
    const saved = await cache.load('t');
    expect(saved).toBeDefined();
    expect(saved!.revision).toBeGreaterThan(0n);
    await rt1.close();
    expect((await cache.load('t'))!.revision).toBe(s1.revision); // saved on close
    const rt2 = mk(2);
    const loaded = await rt2.load('t');
    expect(hashThreadState(summaryState(loaded))).toBe(hashThreadState(await replayThread(p.first.store, 't')));
    await rt2.send('t', 'two');
    const s2 = await settle(rt2, 't', p.clock);
    expect(s2.interactions.i2!.status).toBe('completed');
    expect(hashThreadState(summaryState(s2))).toBe(hashThreadState(await replayThread(p.first.store, 't', { verify: true })));
    await rt2.close();
  });
});
