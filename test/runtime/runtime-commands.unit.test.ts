import { describe, expect, it, vi } from 'vitest';
import type { EventData } from '../../src/store/event-store.ts';
import { firstValueFrom, filter } from 'rxjs';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import { replayThread } from '../../src/history/replay.ts';
import { harness, planOf, readThread, rejection, settle, until } from './runtime-fixtures.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';

describe('runtime commands: write-ahead and typed errors', () => {
  it('runs an interaction to completion and the live state equals the replayed state', async () => {
    const h = harness({
      script: [planOf([{ id: 'a', action: 't.ok', input: { value: 1 } }, { id: 'b', action: 't.ok', input: { value: '{{steps.a.output.value}}' }, dependsOn: ['a'] }]), { kind: 'done', answer: 'fine' }],
    });
    await h.rt.openThread({ threadId: 't1' });
    const sent = await h.rt.send('t1', 'go');
    expect(sent).toMatchObject({ decision: 'start', interactionId: 'i1' });
    const s = await settle(h.rt, 't1', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed', answer: 'fine', iteration: 2 });
    expect(s.interactions.i1!.observations.map((o) => [o.stepId, o.output])).toEqual([['a', { value: 1 }], ['b', { value: 1 }]]);
    const replayed = await replayThread(h.store, 't1', { verify: true });
    expect(replayed.revision).toBe(s.revision);
    expect(hashThreadState(replayed)).toBe(hashThreadState(summaryState(s)));
    expect(h.counters.calls['t.ok']).toBe(2);
    await h.rt.close();
  });

  it('an illegal command appends nothing and rejects with a typed error', async () => {
    const h = harness({ script: [{ kind: 'need_input', question: 'which?' }] });
    await h.rt.openThread({ threadId: 't1' });
    await h.rt.send('t1', 'go');
    await settle(h.rt, 't1', h.clock);
    const before = (await readThread(h.store, 't1')).length;
    expect((await rejection(h.rt.resume('t1', { interactionId: 'i1' }))).code).toBe('INTERACTION_STATE');
    expect((await rejection(h.rt.resume('t1'))).code).toBe('NOTHING_TO_DO');
    expect((await rejection(h.rt.approve('t1', 'nope', { by: 'ann' }))).code).toBe('UNKNOWN_APPROVAL');
    expect((await rejection(h.rt.interrupt('t1', 'i7', { kind: 'user_request' }))).code).toBe('UNKNOWN_INTERACTION');
    expect((await rejection(h.rt.send('missing', 'x'))).code).toBe('THREAD_NOT_FOUND');
    expect((await rejection(h.rt.openThread({ threadId: 't1' }))).code).toBe('THREAD_EXISTS');
    expect((await rejection(h.rt.openThread({ policy: { kind: 'custom', name: 'nope' } }))).code).toBe('UNKNOWN_POLICY');
    expect((await readThread(h.store, 't1')).length).toBe(before);
    expect(() => h.rt.state('elsewhere')).toThrow(/not found/);
    await h.rt.close();
    expect((await rejection(h.rt.send('t1', 'late'))).code).toBe('RUNTIME_CLOSED');
  });

  it('records correlation and causation ids, and a snapshot hash every hashEvery facts', async () => {
    const h = harness({ hashEvery: 3 });
    await h.rt.openThread({ threadId: 't1' });
    await h.rt.send('t1', 'go');
    await settle(h.rt, 't1', h.clock);
    const events = await readThread(h.store, 't1');
    for (const e of events) expect(e.metadata.snapshotHash !== undefined).toBe((e.revision + 1n) % 3n === 0n);
    const send = events.filter((e) => ['InputReceived', 'PolicyApplied', 'InteractionStarted'].includes(e.type));
    const cmd = send[0]!.metadata.correlationId;
    expect(cmd).toBeDefined();
    for (const e of send) expect(e.metadata).toMatchObject({ correlationId: cmd, causationId: cmd });
    const requested = events.find((e) => e.type === 'PlanningRequested')!;
    expect(requested.metadata.correlationId).toBe(cmd);
    const responded = events.find((e) => e.type === 'PlannerResponded')!;
    expect(responded.metadata).toMatchObject({ correlationId: cmd, causationId: requested.id });
    const verified = await replayThread(h.store, 't1', { verify: true });
    expect(verified.revision).toBe(events.at(-1)!.revision);
    await h.rt.close();
  });

  it('by default the last fact of every append (and only it) carries a snapshot hash, and replay verifies them', async () => {
    const h = harness({
      script: [planOf([{ id: 'a', action: 't.ok', input: { value: 1 } }, { id: 'b', action: 't.ok', input: { value: 2 } }]), { kind: 'done', answer: 'ok' }],
    });
    const batches: Array<readonly EventData[]> = [];
    const append = h.store.appendToStream.bind(h.store);
    vi.spyOn(h.store, 'appendToStream').mockImplementation((stream, events, options) => {
      batches.push(events);
      return append(stream, events, options);
    });
    await h.rt.openThread({ threadId: 't1' });
    await h.rt.send('t1', 'go');
    await settle(h.rt, 't1', h.clock);
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) {
      expect(batch.map((e) => e.metadata?.snapshotHash !== undefined)).toEqual(batch.map((_, i) => i === batch.length - 1));
    }
    const events = await readThread(h.store, 't1');
    expect(events.filter((e) => e.metadata.snapshotHash !== undefined)).toHaveLength(batches.length);
    const verified = await replayThread(h.store, 't1', { verify: true });
    expect(hashThreadState(verified)).toBe(events.at(-1)!.metadata.snapshotHash);
    await h.rt.close();
  });

  it('need_input: the next input answers the question (InputMerged), whatever the policy', async () => {
    const h = harness({ script: [{ kind: 'need_input', question: 'which file?' }, { kind: 'done', answer: 'thanks' }] });
    await h.rt.openThread({ threadId: 't1', policy: { kind: 'reject' } });
    await h.rt.send('t1', 'read a file');
    let s = await settle(h.rt, 't1', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'waiting_input', question: 'which file?' });
    const answer = await h.rt.send('t1', 'notes.txt');
    expect(answer).toMatchObject({ decision: 'steer', interactionId: 'i1' });
    s = await settle(h.rt, 't1', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed', mergedInputs: ['notes.txt'] });
    expect(h.planner.requests).toHaveLength(2);
    await h.rt.close();
  });

  it('maxIterations: the interaction fails with MAX_ITERATIONS', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok' }])] });
    await h.rt.openThread({ threadId: 't1', maxIterations: 2 });
    await h.rt.send('t1', 'loop');
    const s = await settle(h.rt, 't1', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'failed', error: { code: 'MAX_ITERATIONS' } });
    expect(h.planner.requests).toHaveLength(2);
    await h.rt.close();
  });

  it('a planner failure records PlannerFailed and fails the interaction', async () => {
    const h = harness({
      planner: {
        plan: async () => {
          throw Object.assign(new Error('model unavailable'), { code: 'PLANNER_FAILED', retryable: false });
        },
      },
    });
    await h.rt.openThread({ threadId: 't1' });
    await h.rt.send('t1', 'go');
    const s = await settle(h.rt, 't1', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'failed', error: { code: 'PLANNER_FAILED', message: 'model unavailable' } });
    expect((await readThread(h.store, 't1')).map((e) => e.type)).toContain('PlannerFailed');
    await h.rt.close();
  });

  it('a plan that fails normalisation is rejected and fed back to the planner as an observation', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 'no.such' }]), { kind: 'done', answer: 'gave up' }] });
    await h.rt.openThread({ threadId: 't1' });
    await h.rt.send('t1', 'go');
    const s = await settle(h.rt, 't1', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const second = h.planner.requests[1]!;
    expect(second.observations[0]).toMatchObject({ status: 'failed', action: '(plan)' });
    expect(second.observations[0]!.error).toMatch(/no\.such/);
    await h.rt.close();
  });

  it('single_action becomes a one-step plan; its observation reaches the next planning call', async () => {
    const h = harness({ script: [{ kind: 'single_action', step: { id: 'only', action: 't.ok', input: { value: 'x' } } } as never, { kind: 'done', answer: 'ok' }] });
    await h.rt.openThread({ threadId: 't1' });
    await h.rt.send('t1', 'go');
    await settle(h.rt, 't1', h.clock);
    expect(h.planner.requests[1]!.observations).toEqual([{ planId: 'p1', stepId: 'only', action: 't.ok', status: 'completed', output: { value: 'x' } }]);
    expect(h.planner.requests[1]!.actions.map((a) => a.name)).toContain('t.ok');
    await h.rt.close();
  });

  it('state$ emits committed states', async () => {
    const h = harness();
    await h.rt.openThread({ threadId: 't1' });
    const done = firstValueFrom(h.rt.state$('t1').pipe(filter((s) => s.interactions.i1?.status === 'completed')));
    await h.rt.send('t1', 'go');
    expect((await done).interactions.i1!.answer).toBe('done');
    await h.rt.close();
  });

  it('closeThread cancels live interactions, then the thread refuses input', async () => {
    const h = harness({ script: [planOf([{ id: 'g', action: 't.gate' }])] });
    await h.rt.openThread({ threadId: 't1' });
    await h.rt.send('t1', 'go');
    await until(() => h.gate.pending.size === 1);
    await h.rt.closeThread('t1', { reason: 'bye' });
    const s = h.rt.state('t1');
    expect(s.status).toBe('closed');
    expect(s.interactions.i1!.status).toBe('cancelled');
    expect(h.gate.pending.size).toBe(0); // the running step saw its AbortSignal
    expect((await rejection(h.rt.send('t1', 'more'))).code).toBe('THREAD_CLOSED');
    await h.rt.close();
  });
});
