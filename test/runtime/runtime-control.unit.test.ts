import { describe, expect, it } from 'vitest';
import { harness, planOf, readThread, rejection, settle, until } from './runtime-fixtures.ts';

const done = { kind: 'done', answer: 'ok' } as const;

describe('approvals, budgets, retries, interrupts and cancellation', () => {
  it('a step gate waits (settled), then runs once approved by step id', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok', requiresApproval: true }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    let s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'waiting_approval', pendingApprovals: ['i1.p1.a.step.a1'] });
    expect(h.counters.calls['t.ok']).toBeUndefined();
    const approval = await h.rt.approve('t', 'a', { by: 'ann', reason: 'looks fine' });
    expect(approval).toMatchObject({ approvalId: 'i1.p1.a.step.a1', scope: 'step', stepId: 'a' });
    s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    expect(h.counters.calls['t.ok']).toBe(1);
    const granted = (await readThread(h.store, 't')).find((e) => e.type === 'ApprovalGranted');
    expect(granted?.data).toMatchObject({ by: 'ann', reason: 'looks fine', stepId: 'a' });
    await h.rt.close();
  });

  it('a rejected step is cancelled and the planner sees it', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok', requiresApproval: true }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await settle(h.rt, 't', h.clock);
    await h.rt.reject('t', 'i1.p1.a.step.a1', { by: 'bob', reason: 'no' });
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    expect(h.planner.requests[1]!.observations[0]).toMatchObject({ stepId: 'a', status: 'cancelled' });
    expect(h.counters.calls['t.ok']).toBeUndefined();
    await h.rt.close();
  });

  it('a whole-plan gate; an approval not decided in time is rejected by the timer', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok' }], { requiresApproval: true, approvalTimeoutMs: 5_000 }), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    const s1 = await settle(h.rt, 't', h.clock);
    expect(s1.interactions.i1).toMatchObject({ status: 'waiting_approval', pendingApprovals: ['i1.p1.plan'] });
    h.clock.increment(5_000);
    const s2 = await settle(h.rt, 't', h.clock);
    expect(s2.interactions.i1!.status).toBe('completed');
    const rejected = (await readThread(h.store, 't')).find((e) => e.type === 'ApprovalRejected');
    expect(rejected?.data).toMatchObject({ approvalId: 'i1.p1.plan', timedOut: true, by: 'system' });
    expect(h.counters.calls['t.ok']).toBeUndefined();
    await h.rt.close();
  });

  it('a step that would exceed the thread budget waits for a budget approval', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok' }, { id: 'b', action: 't.ok', dependsOn: ['a'] }]), done] });
    await h.rt.openThread({ threadId: 't', budget: { limitUsd: 0.0155 } });
    await h.rt.send('t', 'go');
    const s1 = await settle(h.rt, 't', h.clock);
    // planner call 0.001 + step a 0.01 spent; b's 0.01 estimate would pass 0.0155
    expect(s1.interactions.i1).toMatchObject({ status: 'waiting_approval', pendingApprovals: ['i1.p1.b.budget.a1'] });
    await h.rt.approve('t', 'b', { by: 'ann' });
    const s2 = await settle(h.rt, 't', h.clock);
    expect(s2.interactions.i1!.status).toBe('completed');
    expect(h.counters.calls['t.ok']).toBe(2);
    expect((await readThread(h.store, 't')).some((e) => e.type === 'BudgetWarned')).toBe(true);
    await h.rt.close();
  });

  it('approving a budget request can extend the budget: BudgetExtended before the grant, later steps fit in it', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok' }, { id: 'b', action: 't.ok', dependsOn: ['a'] }, { id: 'c', action: 't.ok', dependsOn: ['b'] }]), done] });
    await h.rt.openThread({ threadId: 't', budget: { limitUsd: 0.0155 } });
    await h.rt.send('t', 'go');
    const s1 = await settle(h.rt, 't', h.clock);
    expect(s1.interactions.i1).toMatchObject({ status: 'waiting_approval', pendingApprovals: ['i1.p1.b.budget.a1'] });
    const before = (await readThread(h.store, 't')).length;
    expect((await rejection(h.rt.approve('t', 'b', { by: 'ann', extendBudgetUsd: 0 }))).code).toBe('BUDGET_EXTENSION');
    expect((await rejection(h.rt.approve('t', 'b', { by: 'ann', extendBudgetUsd: Number.NaN }))).code).toBe('BUDGET_EXTENSION');
    expect((await readThread(h.store, 't')).length).toBe(before);
    await h.rt.approve('t', 'b', { by: 'ann', extendBudgetUsd: 0.05 });
    const s2 = await settle(h.rt, 't', h.clock);
    expect(s2.interactions.i1!.status).toBe('completed');
    expect(h.counters.calls['t.ok']).toBe(3);
    const facts = await readThread(h.store, 't');
    const extended = facts.findIndex((e) => e.type === 'BudgetExtended');
    expect(facts[extended]!.data).toMatchObject({ limitUsd: 0.0655, by: 'ann', interactionId: 'i1' });
    expect(facts[extended + 1]!.type).toBe('ApprovalGranted');
    expect(facts.filter((e) => e.type === 'ApprovalRequested')).toHaveLength(1);
    await h.rt.close();
  });

  it('extending the budget of a plan that has none is refused, nothing appended', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok', requiresApproval: true }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await settle(h.rt, 't', h.clock);
    const before = (await readThread(h.store, 't')).length;
    const err = await rejection(h.rt.approve('t', 'a', { by: 'ann', extendBudgetUsd: 1 }));
    expect(err.code).toBe('BUDGET_EXTENSION');
    expect(String(err.message)).toMatch(/has no budget/);
    expect((await readThread(h.store, 't')).length).toBe(before);
    await h.rt.close();
  });

  it('retries a failing step after the recorded backoff (timer on the injected clock)', async () => {
    const h = harness({ script: [planOf([{ id: 'f', action: 't.flaky', input: { failTimes: 2 }, retry: { maxAttempts: 3, backoffMs: 100 } }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    const t0 = h.clock.now();
    const s = await settle(h.rt, 't', h.clock, 50);
    expect(s.interactions.i1!.status).toBe('completed');
    const failed = (await readThread(h.store, 't')).filter((e) => e.type === 'StepFailed').map((e) => e.data as { attempt: number; retryInMs: number; retryAtMs: number });
    expect(failed.map((f) => [f.attempt, f.retryInMs])).toEqual([[1, 100], [2, 200]]);
    expect(failed[0]!.retryAtMs).toBe(t0 + 100);
    expect(h.counters.keys.filter((k) => k.includes('/f/'))).toEqual(['t/i1/p1/f/1', 't/i1/p1/f/2', 't/i1/p1/f/3']);
    await h.rt.close();
  });

  it('interrupt pauses (running work finishes and is recorded), resume continues', async () => {
    const h = harness({ script: [planOf([{ id: 'g', action: 't.gate' }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await until(() => h.gate.pending.size === 1);
    await h.rt.interrupt('t', 'i1', { kind: 'user_request', reason: 'wait' });
    expect((await rejection(h.rt.interrupt('t', 'i1', { kind: 'user_request' }))).code).toBe('INTERACTION_STATE');
    h.gate.release('t/i1/p1/g/1');
    const paused = await settle(h.rt, 't', h.clock);
    expect(paused.interactions.i1).toMatchObject({ status: 'interrupted', interrupt: { kind: 'user_request', reason: 'wait' } });
    expect(paused.interactions.i1!.observations).toHaveLength(1);
    expect(h.planner.requests).toHaveLength(1);
    expect(await h.rt.resume('t', { by: 'ann' })).toEqual({ resumed: ['i1'] });
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    expect(h.planner.requests).toHaveLength(2);
    await h.rt.close();
  });

  it('interrupting a planning call aborts it; resume asks the planner again', async () => {
    let release: (() => void) | undefined;
    const signals: AbortSignal[] = [];
    const h = harness({
      planner: {
        plan: (req) => {
          signals.push(req.signal);
          if (signals.length === 1) return new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted'))));
          return new Promise((resolve) => (release = () => resolve({ output: done, repairs: 0 })));
        },
      },
    });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await until(() => signals.length === 1);
    await h.rt.interrupt('t', 'i1', { kind: 'before_step' });
    expect(signals[0]!.aborted).toBe(true);
    await settle(h.rt, 't', h.clock);
    await h.rt.resume('t', { interactionId: 'i1' });
    await until(() => release !== undefined);
    release!();
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    expect((await readThread(h.store, 't')).filter((e) => e.type === 'PlannerFailed')).toHaveLength(0);
    await h.rt.close();
  });

  it('cancel reaches running work through its AbortSignal; progress facts stay as partial results', async () => {
    const h = harness({ script: [planOf([{ id: 'g', action: 't.gate' }, { id: 'h', action: 't.gate' }])] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await until(() => h.gate.pending.size === 2);
    await until(() => h.rt.state('t').revision > 0n && h.store !== undefined);
    expect(await h.rt.cancel('t', { reason: 'user cancelled' })).toEqual({ cancelled: ['i1'] });
    expect(h.gate.pending.size).toBe(0);
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'cancelled', cancelReason: 'user cancelled' });
    const types = (await readThread(h.store, 't')).map((e) => e.type);
    expect(types.filter((t) => t === 'StepCancelled')).toHaveLength(2);
    expect(types).toContain('StepProgressed');
    expect(types.at(-1)).toBe('InteractionCancelled');
    expect((await rejection(h.rt.cancel('t', { interactionId: 'i1', reason: 'again' }))).code).toBe('INTERACTION_STATE');
    expect((await rejection(h.rt.cancel('t', { reason: 'nothing' }))).code).toBe('NOTHING_TO_DO');
    await h.rt.close();
  });
});
