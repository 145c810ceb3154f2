/** The `costs` and `threads` projections on hand-built histories. */
import { describe, expect, it } from 'vitest';
import { costsProjection, threadCosts } from '../../projections/costs.ts';
import { getKeyed } from '../../projections/shared/keyed-map.ts';
import { threadListings as listThreads, threadListing as threadSummary, threadsProjection } from '../../projections/threads.ts';
import { foldFacts } from '../../src/projections/projection.ts';
import { planPrefix, recorded, step, T0, type FactSpec } from './fact-builder.ts';

const usage = (model: string, costUsd: number) => ({ model, inputTokens: 100, outputTokens: 20, costUsd });

describe('costs projection', () => {
  const specs: FactSpec[] = [
    ...planPrefix([{ id: 'a' }, { id: 'b' }], 2),
    { type: 'PlannerResponded', data: { interactionId: 'i1', iteration: 1, output: { kind: 'done', answer: 'x' }, usage: usage('m1', 0.01) } },
    { type: 'PlannerFailed', data: { interactionId: 'i1', iteration: 2, error: { message: 'timeout' }, usage: { ...usage('m2', 0.02), calls: 3 } } },
    { type: 'StepStarted', data: { ...step('a'), attempt: 1, idempotencyKey: 'a1', reservedUsd: 0.5, startedAtMs: T0 } },
    { type: 'StepStarted', data: { ...step('b'), attempt: 1, idempotencyKey: 'b1', reservedUsd: 0.25, startedAtMs: T0 } },
  ];

  it('charges planner usage per model and holds reservations of running attempts', () => {
    const t = threadCosts(foldFacts(costsProjection, recorded(specs)), 't1');
    // calls: every request (a fact without `calls` counts 1; the failed call made 3: retries, repairs)
    expect(t?.models).toEqual({ m1: { usd: 0.01, inputTokens: 100, outputTokens: 20, calls: 1 }, m2: { usd: 0.02, inputTokens: 100, outputTokens: 20, calls: 3 } });
    expect(t?.total).toEqual({ usd: 0.03, inputTokens: 200, outputTokens: 40, calls: 4 });
    const i1 = t && getKeyed(t.interactions, 'i1');
    expect(i1?.total).toEqual({ usd: 0.03, inputTokens: 200, outputTokens: 40, calls: 4 });
    expect(i1?.planner).toEqual({ usd: 0.03, inputTokens: 200, outputTokens: 40, calls: 4 });
    expect(t?.reservedUsd).toBe(0.75);
    expect(t?.budget).toEqual({ limitUsd: 2, spentUsd: 0.03, reservedUsd: 0.75, remainingUsd: 1.97, availableUsd: 1.22, warned: false });
    expect(Object.keys((t && getKeyed(t.interactions, 'i1'))?.reservations ?? {})).toEqual(['p1/a', 'p1/b']);
  });

  it('releases a reservation when its attempt ends, keeps spend of failed, crashed and cancelled attempts', () => {
    const t = threadCosts(foldFacts(costsProjection, recorded([
      ...specs,
      { type: 'StepFailed', data: { ...step('a'), attempt: 1, error: { message: 'crash', code: 'CRASHED' }, retryInMs: 0, retryAtMs: T0, costUsd: 0.1 } },
      { type: 'StepCancelled', data: { ...step('b'), reason: 'user', costUsd: 0.05 } },
      { type: 'StepStarted', data: { ...step('a'), attempt: 2, idempotencyKey: 'a2', reservedUsd: 0.3, startedAtMs: T0 } },
    ])), 't1');
    expect((t && getKeyed(t.interactions, 'i1'))?.steps).toEqual({ 'p1/a': { usd: 0.1, inputTokens: 0, outputTokens: 0, calls: 2 }, 'p1/b': { usd: 0.05, inputTokens: 0, outputTokens: 0, calls: 1 } });
    expect((t && getKeyed(t.interactions, 'i1'))?.reservations).toEqual({ 'p1/a': { planId: 'p1', stepId: 'a', attempt: 2, usd: 0.3 } });
    expect(t?.total.usd).toBe(0.18);
    expect(t?.budget).toMatchObject({ spentUsd: 0.18, reservedUsd: 0.3, remainingUsd: 1.82, availableUsd: 1.52 });
  });

  it('counts the LLM usage of step attempts (completed, failed, cancelled) per model without charging its USD twice', () => {
    const llm = (model: string, inputTokens: number, outputTokens: number, calls: number, costUsd: number) => ({ model, inputTokens, outputTokens, calls, costUsd });
    const t = threadCosts(foldFacts(costsProjection, recorded([
      ...specs,
      // a refused reply: 1 request, its tokens and USD; then a retried attempt that answered after a 5xx (2 requests)
      { type: 'StepFailed', data: { ...step('a'), attempt: 1, error: { message: 'refused' }, retryInMs: 0, retryAtMs: T0, costUsd: 0.04, usage: [llm('m1', 4, 1, 1, 0.04)] } },
      { type: 'StepStarted', data: { ...step('a'), attempt: 2, idempotencyKey: 'a2', reservedUsd: 0.3, startedAtMs: T0 } },
      // 0.1 of its 0.16 USD is not LLM usage (addCost): in the totals, not in a model row
      { type: 'StepCompleted', data: { ...step('a'), attempt: 2, output: 'x', costUsd: 0.16, usage: [llm('m1', 5, 3, 2, 0.06), llm('m3', 1, 1, 1, 0)], durationMs: 5 } },
      { type: 'StepCancelled', data: { ...step('b'), reason: 'user', costUsd: 0.01, usage: [llm('m2', 2, 0, 1, 0.01)] } },
    ])), 't1');
    expect(t?.models).toEqual({
      m1: { usd: 0.11, inputTokens: 109, outputTokens: 24, calls: 4 },
      m2: { usd: 0.03, inputTokens: 102, outputTokens: 20, calls: 4 },
      m3: { usd: 0, inputTokens: 1, outputTokens: 1, calls: 1 },
    });
    expect(t?.total).toEqual({ usd: 0.24, inputTokens: 212, outputTokens: 45, calls: 9 });
    expect(Object.values(t?.models ?? {}).reduce((n, m) => n + m.calls, 0)).toBe(t?.total.calls);
    const i1 = t && getKeyed(t.interactions, 'i1');
    expect(i1?.total).toEqual(t?.total);
    expect(i1?.models).toEqual(t?.models);
    expect(i1?.planner).toEqual({ usd: 0.03, inputTokens: 200, outputTokens: 40, calls: 4 });
    expect(i1?.steps).toEqual({ 'p1/a': { usd: 0.2, inputTokens: 10, outputTokens: 5, calls: 2 }, 'p1/b': { usd: 0.01, inputTokens: 2, outputTokens: 0, calls: 1 } });
    expect(t?.budget).toMatchObject({ spentUsd: 0.24 });
  });

  it('a new attempt replaces an attempt that never ended; an ended interaction releases what is left', () => {
    const restarted = threadCosts(foldFacts(costsProjection, recorded([...specs, { type: 'StepStarted', data: { ...step('a'), attempt: 2, idempotencyKey: 'a2', reservedUsd: 0.1, startedAtMs: T0 } }])), 't1');
    expect(restarted?.reservedUsd).toBe(0.35);
    const ended = threadCosts(foldFacts(costsProjection, recorded([...specs, { type: 'InteractionCancelled', data: { interactionId: 'i1', reason: 'user' } }])), 't1');
    expect(ended?.reservedUsd).toBe(0);
    expect((ended && getKeyed(ended.interactions, 'i1'))?.reservations).toEqual({});
  });

  it('budgets: plan budget per interaction, extensions, warnings', () => {
    const t = threadCosts(foldFacts(costsProjection, recorded([
      ...specs,
      { type: 'BudgetExtended', data: { limitUsd: 5, by: 'alice' } },
      { type: 'BudgetExtended', data: { limitUsd: 1, by: 'alice', interactionId: 'i1' } },
      { type: 'BudgetWarned', data: { spentUsd: 1.8, limitUsd: 2 } },
    ])), 't1');
    // `warned` means a warning at the CURRENT limit (as the thread machine keeps it): the one at 2 predates the extension.
    expect(t?.budget).toMatchObject({ limitUsd: 5, remainingUsd: 4.97, warned: false });
    expect((t && getKeyed(t.interactions, 'i1'))?.budget).toEqual({ limitUsd: 1, spentUsd: 0.03, reservedUsd: 0.75, remainingUsd: 0.97, availableUsd: 0.22, warned: false });
    const planWarned = threadCosts(foldFacts(costsProjection, recorded([
      ...specs,
      { type: 'PlanAccepted', data: { interactionId: 'i1', planId: 'p2', iteration: 2, plan: { steps: [{ id: 'x', action: 'a' }], budget: { limitUsd: 1 } } } },
      { type: 'BudgetWarned', data: { spentUsd: 0.9, limitUsd: 1, interactionId: 'i1', planId: 'p2' } },
    ])), 't1');
    expect(planWarned?.budget?.warned).toBe(false);
    expect(planWarned && getKeyed(planWarned.interactions, 'i1')?.budgetPlanId).toBe('p2');
    expect(planWarned && getKeyed(planWarned.interactions, 'i1')?.budget?.warned).toBe(true);
  });

  it('plan budgets count that plan\'s steps only; warnings without an interaction (as the executor records them) count by limit', () => {
    const costsOf = (more: FactSpec[]) => threadCosts(foldFacts(costsProjection, recorded([...specs, ...more])), 't1');
    const p2: FactSpec = { type: 'PlanAccepted', data: { interactionId: 'i1', planId: 'p2', iteration: 2, plan: { steps: [{ id: 'x', action: 'a' }], budget: { limitUsd: 0.5 } } } };
    const x = { interactionId: 'i1', planId: 'p2', stepId: 'x' };
    const ran: FactSpec[] = [
      p2,
      { type: 'StepStarted', data: { ...x, attempt: 1, idempotencyKey: 'x1', startedAtMs: T0, reservedUsd: 0.2 } },
      { type: 'StepCompleted', data: { ...x, attempt: 1, output: null, durationMs: 1, costUsd: 0.45 } },
      { type: 'BudgetWarned', data: { spentUsd: 0.45, limitUsd: 0.5 } },
    ];
    const i1 = getKeyed(costsOf(ran)?.interactions ?? { count: 0, flat: [], slots: null }, 'i1');
    expect(i1?.budget).toEqual({ limitUsd: 0.5, spentUsd: 0.45, reservedUsd: 0, remainingUsd: 0.05, availableUsd: 0.05, warned: true });
    expect(i1?.total.usd).toBeGreaterThan(0.45); // the interaction's planner calls and earlier plan are not the plan budget's
    const p3: FactSpec = { type: 'PlanAccepted', data: { interactionId: 'i1', planId: 'p3', iteration: 3, plan: { steps: [{ id: 'y', action: 'a' }] } } };
    const after = getKeyed(costsOf([...ran, p3])?.interactions ?? { count: 0, flat: [], slots: null }, 'i1');
    expect(after).toMatchObject({ budgetPlanId: null, budget: null }); // the thread's budget is in force again
  });
});

describe('threads projection', () => {
  it('summarises title, first input, live interactions, last activity and revision', () => {
    const facts = recorded([
      { type: 'ThreadOpened', data: { threadId: 't1', policy: { kind: 'steer' } } },
      { type: 'InputReceived', data: { inputId: 'in1', text: 'summarise\nthe repo' } },
      { type: 'InteractionStarted', data: { interactionId: 'i1', inputId: 'in1', text: 'x', maxIterations: 2 } },
      { type: 'InputRequested', data: { interactionId: 'i1', question: 'which?' } },
      { type: 'InteractionStarted', data: { interactionId: 'i2', inputId: 'in1', text: 'x', maxIterations: 2 } },
      { type: 'Interrupted', data: { interactionId: 'i2', kind: 'user_request' } },
      { type: 'InputReceived', data: { inputId: 'in2', text: 'second' }, stream: 'thread-t2' },
    ]);
    const s = foldFacts(threadsProjection, facts);
    expect(threadSummary(s, 't1')).toMatchObject({
      title: null, firstInput: 'summarise the repo', displayTitle: 'summarise the repo', status: 'active', policy: 'steer',
      liveInteractions: [{ interactionId: 'i1', state: 'waiting_input' }, { interactionId: 'i2', state: 'interrupted' }],
      counts: { started: 2, completed: 0, failed: 0, cancelled: 0 }, lastRevision: 5, lastPosition: 5, factCount: 6, lastActivityAtMs: T0 + 5000, openedAtMs: T0,
    });
    expect(threadSummary(s, 't2')).toMatchObject({ displayTitle: 'second', policy: null, lastRevision: 0, lastPosition: 6 });
    const later = foldFacts(threadsProjection, recorded([
      { type: 'InteractionCompleted', data: { interactionId: 'i1', answer: 'a' } },
      { type: 'Resumed', data: { interactionId: 'i2' } },
    ], 7), s);
    expect(threadSummary(later, 't1')).toMatchObject({ status: 'active', liveInteractions: [{ interactionId: 'i2', state: 'running' }], counts: { completed: 1 } });
  });

  it('shows an interaction waiting for an approval until it is decided, cancelled with its step, or the plan ends', () => {
    const opened: FactSpec[] = [
      { type: 'ThreadOpened', data: { threadId: 't1', policy: { kind: 'enqueue' } } },
      { type: 'InputReceived', data: { inputId: 'in1', text: 'go' } },
      { type: 'InteractionStarted', data: { interactionId: 'i1', inputId: 'in1', text: 'go', maxIterations: 2 } },
      { type: 'ApprovalRequested', data: { approvalId: 'a1', interactionId: 'i1', planId: 'p1', stepId: 's1', scope: 'step', reason: 'writes', requestedAtMs: T0 } },
      { type: 'ApprovalRequested', data: { approvalId: 'a2', interactionId: 'i1', planId: 'p1', stepId: 's2', scope: 'step', reason: 'writes', requestedAtMs: T0 } },
    ];
    const stateOf = (specs: FactSpec[]) => threadSummary(foldFacts(threadsProjection, recorded(specs)), 't1')?.liveInteractions;
    expect(stateOf(opened)).toEqual([{ interactionId: 'i1', state: 'waiting_approval' }]);
    const granted: FactSpec = { type: 'ApprovalGranted', data: { approvalId: 'a1', interactionId: 'i1', planId: 'p1', stepId: 's1', by: 'ann' } };
    expect(stateOf([...opened, granted])).toEqual([{ interactionId: 'i1', state: 'waiting_approval' }]);
    const cancelled: FactSpec = { type: 'StepCancelled', data: { interactionId: 'i1', planId: 'p1', stepId: 's2', reason: 'halted' } };
    expect(stateOf([...opened, granted, cancelled])).toEqual([{ interactionId: 'i1', state: 'running' }]);
    const rejected: FactSpec = { type: 'ApprovalRejected', data: { approvalId: 'a2', interactionId: 'i1', planId: 'p1', stepId: 's2', by: 'bob' } };
    expect(stateOf([...opened, granted, rejected])).toEqual([{ interactionId: 'i1', state: 'running' }]);
    const finished: FactSpec = { type: 'PlanFinished', data: { interactionId: 'i1', planId: 'p1', outcome: 'cancelled' } };
    expect(stateOf([...opened, finished])).toEqual([{ interactionId: 'i1', state: 'running' }]);
    const interrupted: FactSpec = { type: 'Interrupted', data: { interactionId: 'i1', kind: 'user_request' } };
    expect(stateOf([...opened, interrupted])).toEqual([{ interactionId: 'i1', state: 'interrupted' }]);
    expect(stateOf([...opened, interrupted, { type: 'Resumed', data: { interactionId: 'i1' } }])).toEqual([{ interactionId: 'i1', state: 'waiting_approval' }]);
  });

  it('an interaction interrupted while waiting for input waits for input again when resumed', () => {
    const specs: FactSpec[] = [
      { type: 'ThreadOpened', data: { threadId: 't1', policy: { kind: 'enqueue' } } },
      { type: 'InputReceived', data: { inputId: 'in1', text: 'go' } },
      { type: 'InteractionStarted', data: { interactionId: 'i1', inputId: 'in1', text: 'go', maxIterations: 2 } },
      { type: 'InputRequested', data: { interactionId: 'i1', question: 'which one?' } },
      { type: 'Interrupted', data: { interactionId: 'i1', kind: 'user_request' } },
    ];
    const summaryOf = (more: FactSpec[]) => threadSummary(foldFacts(threadsProjection, recorded([...specs, ...more])), 't1');
    expect(summaryOf([])).toMatchObject({ liveInteractions: [{ interactionId: 'i1', state: 'interrupted' }], resumeTo: { i1: 'waiting_input' } });
    const resumed = summaryOf([{ type: 'Resumed', data: { interactionId: 'i1' } }]);
    expect(resumed?.liveInteractions).toEqual([{ interactionId: 'i1', state: 'waiting_input' }]);
    expect(resumed?.resumeTo).toEqual({});
    const again = summaryOf([{ type: 'Resumed', data: { interactionId: 'i1' } }, { type: 'InputMerged', data: { interactionId: 'i1', inputId: 'in2', text: 'that one' } }]);
    expect(again?.liveInteractions).toEqual([{ interactionId: 'i1', state: 'running' }]);
    expect(summaryOf([{ type: 'InteractionCancelled', data: { interactionId: 'i1', reason: 'user' } }])?.resumeTo).toEqual({});
  });

  it('takes the thread id from the stream, records the fork parent and closing', () => {
    const s = foldFacts(threadsProjection, recorded([
      { type: 'ThreadOpened', data: { threadId: 'parent', title: 'Copied', policy: { kind: 'enqueue' } }, stream: 'thread-fork1' },
      { type: 'ThreadForked', data: { threadId: 'fork1', from: { threadId: 'parent', revision: 0 } }, stream: 'thread-fork1' },
      { type: 'ThreadClosed', data: {}, stream: 'thread-fork1' },
    ]));
    expect(listThreads(s).map((t) => t.threadId)).toEqual(['fork1']);
    expect(threadSummary(s, 'fork1')).toMatchObject({ threadId: 'fork1', title: 'Copied', forkedFrom: { threadId: 'parent', revision: 0 }, status: 'closed' });
  });

  it('a fork of a closed thread is open again (its copied ThreadClosed is followed by ThreadForked)', () => {
    const s = foldFacts(threadsProjection, recorded([
      { type: 'ThreadOpened', data: { threadId: 'parent', policy: { kind: 'enqueue' } }, stream: 'thread-fork1' },
      { type: 'ThreadClosed', data: {}, stream: 'thread-fork1' },
      { type: 'ThreadForked', data: { threadId: 'fork1', from: { threadId: 'parent', revision: 1 } }, stream: 'thread-fork1' },
    ]));
    expect(threadSummary(s, 'fork1')).toMatchObject({ status: 'idle', forkedFrom: { threadId: 'parent', revision: 1 } });
  });
});
