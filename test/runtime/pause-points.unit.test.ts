/**
 * Static pause points in the runtime: a step with `interruptBefore` / `interruptAfter` pauses the
 * interaction (Interrupted before_step / after_step) exactly once; running siblings finish and are
 * recorded while paused; `resume` continues; restarts while paused or right after the resume keep
 * "exactly once" (the pause is remembered in the fold, not in runtime memory); replay verifies.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { replayThread } from '../../src/history/replay.ts';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import type { ThreadSummary } from '../../src/runtime/thread-summary.ts';
import { harness, planOf, readThread, scriptedPlanner, settle, testActions, until } from './runtime-fixtures.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';

const done = { kind: 'done', answer: 'ok' } as const;

const stepIdOf = (e: RecordedEvent): string | undefined => (e.data as { stepId?: string }).stepId;
const started = (events: RecordedEvent[]): string[] => events.filter((e) => e.type === 'StepStarted').map((e) => stepIdOf(e)!);
const pauses = (events: RecordedEvent[]): string[] =>
  events.filter((e) => e.type === 'Interrupted').map((e) => `${(e.data as { kind: string }).kind}:${stepIdOf(e) ?? ''}`);

/** Two runtimes on one log (the second started after the first is dropped, as after a crash). */
function pair(script: Parameters<typeof scriptedPlanner>[0]) {
  const log = createInMemoryLog();
  const clock = new SimulatedClock();
  const actions = testActions();
  const planner = scriptedPlanner(script);
  return { clock, actions, planner, first: harness({ log, clock, actions, planner, seed: 1 }), next: (seed: number) => harness({ log, clock, actions, planner, seed }) };
}

async function expectReplayEqualsLive(store: Parameters<typeof replayThread>[0], s: ThreadSummary): Promise<void> {
  expect(hashThreadState(await replayThread(store, 't', { verify: true }))).toBe(hashThreadState(summaryState(s)));
}

const status = (h: { rt: { state(id: string): ThreadSummary } }): string | undefined => h.rt.state('t').interactions.i1?.status;

describe('interruptBefore', () => {
  it('pauses before the step starts while a running sibling finishes and is recorded; resume starts it once', async () => {
    const h = harness({
      script: [
        planOf([
          { id: 's', action: 't.gate' },
          { id: 'a', action: 't.ok', input: { value: 1 } },
          { id: 'b', action: 't.ok', input: { value: '{{steps.a.output.value}}' }, dependsOn: ['a'], interruptBefore: true },
        ]),
        done,
      ],
    });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await until(() => status(h) === 'interrupted' && h.gate.pending.has('t/i1/p1/s/1'));
    expect(h.rt.state('t').interactions.i1).toMatchObject({
      interrupt: { kind: 'before_step', stepId: 'b', reason: "paused before step 'b' starts (interruptBefore)" },
    });
    h.gate.release('t/i1/p1/s/1', { s: true }); // the sibling finishes while paused
    const paused = await settle(h.rt, 't', h.clock);
    expect(paused.interactions.i1!.status).toBe('interrupted');
    expect(paused.interactions.i1!.observations.map((o) => o.stepId).sort()).toEqual(['a', 's']);
    expect(started(await readThread(h.store, 't'))).toEqual(['s', 'a']);

    expect(await h.rt.resume('t')).toEqual({ resumed: ['i1'] });
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed', answer: 'ok' });
    const events = await readThread(h.store, 't');
    expect(started(events)).toEqual(['s', 'a', 'b']);
    expect(pauses(events)).toEqual(['before_step:b']);
    expect(events.filter((e) => e.type === 'Resumed')).toHaveLength(1);
    expect(h.counters.calls['t.ok']).toBe(2);
    expect(s.interactions.i1!.observations.find((o) => o.stepId === 'b')?.output).toEqual({ value: 1 });
    await expectReplayEqualsLive(h.store, s);
    await h.rt.close();
  });

  it('a restart while paused keeps the pause; a restart right after the resume does not pause again', async () => {
    const p = pair([planOf([{ id: 'a', action: 't.ok' }, { id: 'b', action: 't.gate', dependsOn: ['a'], interruptBefore: true }]), done]);
    await p.first.rt.openThread({ threadId: 't' });
    await p.first.rt.send('t', 'go');
    expect((await settle(p.first.rt, 't', p.clock)).interactions.i1!.status).toBe('interrupted');
    await p.first.rt.close(); // crash while paused

    const second = p.next(2);
    expect((await second.rt.load('t')).interactions.i1).toMatchObject({ status: 'interrupted', interrupt: { kind: 'before_step', stepId: 'b' } });
    expect((await settle(second.rt, 't', p.clock)).interactions.i1!.status).toBe('interrupted'); // nothing starts after the load
    await second.rt.resume('t');
    await until(() => p.actions.gate.pending.has('t/i1/p1/b/1'));
    await second.rt.close(); // crash right after the resume: b started, no outcome

    const third = p.next(3);
    expect((await third.rt.load('t')).interactions.i1!.status).toBe('executing');
    await until(() => p.actions.gate.pending.has('t/i1/p1/b/1')); // re-run, same attempt and key
    p.actions.gate.release('t/i1/p1/b/1');
    const s = await settle(third.rt, 't', p.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const events = await readThread(third.store, 't');
    expect(pauses(events)).toEqual(['before_step:b']);
    expect(started(events)).toEqual(['a', 'b']);
    expect(p.actions.counters.keys).toEqual(['t/i1/p1/a/1', 't/i1/p1/b/1', 't/i1/p1/b/1']);
    await expectReplayEqualsLive(third.store, s);
    await third.rt.close();
  });

  it('a log ending with Resumed (the writer died before starting the step) starts the step on load, no second pause', async () => {
    const p = pair([planOf([{ id: 'b', action: 't.ok', interruptBefore: true }]), done]);
    await p.first.rt.openThread({ threadId: 't' });
    await p.first.rt.send('t', 'go');
    const paused = await settle(p.first.rt, 't', p.clock);
    expect(paused.interactions.i1!.status).toBe('interrupted');
    await p.first.rt.close();
    // a Resumed appended alone, as by a process that crashed before deciding anything after it
    await p.first.store.appendToStream('thread-t', [{ id: randomUUID(), type: 'Resumed', data: { interactionId: 'i1', by: 'ops' } }], {
      expectedRevision: paused.revision,
    });

    const second = p.next(2);
    expect((await second.rt.load('t')).interactions.i1!.status).toBe('executing');
    const s = await settle(second.rt, 't', p.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const events = await readThread(second.store, 't');
    expect(pauses(events)).toEqual(['before_step:b']);
    expect(started(events)).toEqual(['b']);
    expect(p.actions.counters.calls['t.ok']).toBe(1);
    await expectReplayEqualsLive(second.store, s);
    await second.rt.close();
  });

  it('a retried step does not pause again before its next attempt', async () => {
    const h = harness({ script: [planOf([{ id: 'f', action: 't.flaky', input: { failTimes: 1 }, retry: { maxAttempts: 2, backoffMs: 10 }, interruptBefore: true }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    expect((await settle(h.rt, 't', h.clock)).interactions.i1!.status).toBe('interrupted');
    await h.rt.resume('t');
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const events = await readThread(h.store, 't');
    expect(pauses(events)).toEqual(['before_step:f']);
    expect(started(events)).toEqual(['f', 'f']);
    await expectReplayEqualsLive(h.store, s);
    await h.rt.close();
  });
});

describe('interruptAfter', () => {
  it('pauses once the step completed, before its dependents; a sibling keeps running; resume continues', async () => {
    const h = harness({
      script: [
        planOf([
          { id: 'a', action: 't.gate', interruptAfter: true },
          { id: 's', action: 't.gate' },
          { id: 'b', action: 't.ok', dependsOn: ['a'] },
        ]),
        done,
      ],
    });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await until(() => h.gate.pending.size === 2);
    h.gate.release('t/i1/p1/a/1', { a: 1 });
    await until(() => status(h) === 'interrupted');
    expect(h.rt.state('t').interactions.i1!.interrupt).toMatchObject({ kind: 'after_step', stepId: 'a' });
    let events = await readThread(h.store, 't');
    const completedAt = events.findIndex((e) => e.type === 'StepCompleted' && stepIdOf(e) === 'a');
    expect(events[completedAt + 1]?.type).toBe('Interrupted'); // in the same append, before b could start
    expect(events.some((e) => (e.type === 'StepReady' || e.type === 'StepStarted') && stepIdOf(e) === 'b')).toBe(false);
    h.gate.release('t/i1/p1/s/1');
    const paused = await settle(h.rt, 't', h.clock);
    expect(paused.interactions.i1!.status).toBe('interrupted');
    expect(paused.interactions.i1!.observations.map((o) => o.stepId)).toEqual(['a', 's']);

    await h.rt.resume('t');
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed' });
    events = await readThread(h.store, 't');
    expect(pauses(events)).toEqual(['after_step:a']);
    expect(started(events)).toEqual(['a', 's', 'b']);
    await expectReplayEqualsLive(h.store, s);
    await h.rt.close();
  });

  it('pauses after the last step before PlanFinished; survives a restart; not again after it', async () => {
    const p = pair([planOf([{ id: 'a', action: 't.ok', interruptAfter: true }]), done]);
    await p.first.rt.openThread({ threadId: 't' });
    await p.first.rt.send('t', 'go');
    const paused = await settle(p.first.rt, 't', p.clock);
    expect(paused.interactions.i1).toMatchObject({ status: 'interrupted', observations: [{ stepId: 'a', status: 'completed' }] });
    await p.first.rt.close();

    const second = p.next(2);
    expect((await second.rt.load('t')).interactions.i1!.status).toBe('interrupted');
    await second.rt.resume('t');
    const s = await settle(second.rt, 't', p.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const events = await readThread(second.store, 't');
    expect(pauses(events)).toEqual(['after_step:a']);
    expect(events.filter((e) => e.type === 'PlanFinished')).toHaveLength(1);
    expect(p.actions.counters.calls['t.ok']).toBe(1);
    await expectReplayEqualsLive(second.store, s);
    await second.rt.close();
  });

  it('a failed step does not pause after', async () => {
    const h = harness({ script: [planOf([{ id: 'x', action: 't.boom', interruptAfter: true }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    expect(pauses(await readThread(h.store, 't'))).toEqual([]);
    await h.rt.close();
  });
});

describe('both on one step, and a second plan', () => {
  it('pauses before and after the same step, each once; a later plan with the same step id pauses again', async () => {
    const plan = planOf([{ id: 'a', action: 't.ok', interruptBefore: true, interruptAfter: true }]);
    const h = harness({ script: [plan, plan, done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    for (let i = 0; i < 4; i++) {
      expect((await settle(h.rt, 't', h.clock)).interactions.i1!.status).toBe('interrupted');
      await h.rt.resume('t');
    }
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const events = await readThread(h.store, 't');
    expect(pauses(events)).toEqual(['before_step:a', 'after_step:a', 'before_step:a', 'after_step:a']);
    expect(started(events)).toEqual(['a', 'a']);
    await expectReplayEqualsLive(h.store, s);
    await h.rt.close();
  });
});
