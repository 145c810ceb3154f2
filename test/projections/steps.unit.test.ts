/** The `steps` projection on hand-built histories: statuses, attempts, timings, errors, outputs, approvals. */
import { describe, expect, it } from 'vitest';
import { stepInteraction, stepsProjection, type StepRow } from '../../projections/steps.ts';
import { foldFacts } from '../../src/projections/projection.ts';
import { planPrefix, recorded, step, T0, type FactSpec } from './fact-builder.ts';

const rowOf = (specs: FactSpec[], stepId: string): StepRow => {
  const state = foldFacts(stepsProjection, recorded(specs));
  const row = stepInteraction(state, 't1', 'i1')?.plans.p1?.steps[stepId];
  if (!row) throw new Error(`no row ${stepId}`);
  return row;
};

describe('steps projection', () => {
  it('creates pending rows at PlanAccepted, in plan order', () => {
    const state = foldFacts(stepsProjection, recorded(planPrefix([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }])));
    const plan = stepInteraction(state, 't1', 'i1')?.plans.p1;
    expect(plan?.stepOrder).toEqual(['a', 'b']);
    expect(plan?.steps.b).toMatchObject({ status: 'pending', attempts: 0, action: 'fs.read', dependsOn: ['a'], readyAtMs: null, costUsd: 0 });
  });

  it('shows a step ready once its dependencies completed, though no fact says so (readyAtMs: that completion)', () => {
    const specs: FactSpec[] = [
      ...planPrefix([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }]),
      { type: 'StepStarted', data: { ...step('a'), attempt: 1, idempotencyKey: 'k1', startedAtMs: T0 + 5_000 }, atMs: T0 + 5_000 },
      { type: 'StepCompleted', data: { ...step('a'), attempt: 1, output: 'x', durationMs: 10 }, atMs: T0 + 6_000 },
    ];
    expect(rowOf(specs.slice(0, 4), 'a')).toMatchObject({ status: 'ready', readyAtMs: T0 + 3_000 }); // a root: ready at PlanAccepted
    expect(rowOf(specs.slice(0, 5), 'b')).toMatchObject({ status: 'pending', readyAtMs: null });
    expect(rowOf(specs, 'b')).toMatchObject({ status: 'ready', readyAtMs: T0 + 6_000, lastRevision: 5 });
    const started = [...specs, { type: 'StepStarted', data: { ...step('b'), attempt: 1, idempotencyKey: 'k2', startedAtMs: T0 + 7_000 } } as FactSpec];
    expect(rowOf(started, 'b')).toMatchObject({ status: 'running', attempts: 1 });
  });

  it('keeps the plan\'s steps pending while its approval gate waits, ready once granted', () => {
    const gated = planPrefix([{ id: 'a' }]).map((f) => (f.type === 'PlanAccepted' ? { ...f, data: { ...f.data, plan: { ...f.data.plan, requiresApproval: true } } } : f)) as FactSpec[];
    const asked: FactSpec = { type: 'ApprovalRequested', data: { approvalId: 'ap1', interactionId: 'i1', planId: 'p1', scope: 'plan', reason: 'costly', requestedAtMs: T0 } };
    expect(rowOf([...gated, asked], 'a')).toMatchObject({ status: 'pending' });
    expect(rowOf([...gated, asked, { type: 'ApprovalGranted', data: { approvalId: 'ap1', interactionId: 'i1', planId: 'p1', by: 'alice' } }], 'a')).toMatchObject({ status: 'ready' });
  });

  it('follows ready → running → failed(retry) → running → completed with timings, error, cost and output (an older history: StepReady)', () => {
    const specs: FactSpec[] = [
      ...planPrefix([{ id: 'a', retry: { maxAttempts: 2 } }]),
      { type: 'StepReady', data: step('a'), atMs: T0 + 10_000 },
      { type: 'StepStarted', data: { ...step('a'), attempt: 1, idempotencyKey: 'k1', reservedUsd: 0.5, startedAtMs: T0 + 11_000 }, atMs: T0 + 11_000 },
      { type: 'StepFailed', data: { ...step('a'), attempt: 1, error: { message: 'HTTP 503', code: 'HTTP_503' }, retryInMs: 100, retryAtMs: T0 + 12_100, costUsd: 0.1, durationMs: 1000 }, atMs: T0 + 12_000 },
      { type: 'StepStarted', data: { ...step('a'), attempt: 2, idempotencyKey: 'k2', startedAtMs: T0 + 13_000 }, atMs: T0 + 13_000 },
      { type: 'StepCompleted', data: { ...step('a'), attempt: 2, output: { text: 'hello\nworld' }, costUsd: 0.2, durationMs: 500 }, atMs: T0 + 13_500 },
    ];
    // ready since PlanAccepted (derived), not since the StepReady fact
    expect(rowOf(specs.slice(0, 6), 'a')).toMatchObject({ status: 'running', attempts: 1, readyAtMs: T0 + 3_000, firstStartedAtMs: T0 + 11_000 });
    expect(rowOf(specs.slice(0, 7), 'a')).toMatchObject({ status: 'ready', retryAtMs: T0 + 12_100, lastError: { message: 'HTTP 503', code: 'HTTP_503' }, runMs: 1000 });
    expect(rowOf(specs, 'a')).toMatchObject({
      status: 'completed', attempts: 2, readyAtMs: T0 + 3_000, firstStartedAtMs: T0 + 11_000, lastStartedAtMs: T0 + 13_000,
      finishedAtMs: T0 + 13_500, runMs: 1500, costUsd: 0.3, retryAtMs: null, outputSummary: '{"text":"hello\\nworld"}',
    });
  });

  it('keeps final statuses sticky but still counts later spend', () => {
    const specs: FactSpec[] = [
      ...planPrefix([{ id: 'a' }]),
      { type: 'StepCancelled', data: { ...step('a'), reason: 'user', costUsd: 0.25, partialOutput: 'half' } },
      { type: 'StepReady', data: step('a') },
    ];
    expect(rowOf(specs, 'a')).toMatchObject({ status: 'cancelled', costUsd: 0.25, outputSummary: 'half' });
  });

  it('tracks step approvals: waiting_approval, then granted → ready, or rejected → cancelled (as the step machine)', () => {
    const base: FactSpec[] = [
      ...planPrefix([{ id: 'a', requiresApproval: true }]),
      { type: 'StepReady', data: step('a') },
      { type: 'ApprovalRequested', data: { approvalId: 'ap1', ...step('a'), scope: 'step', reason: 'writes files', requestedAtMs: T0 } },
    ];
    expect(rowOf(base, 'a')).toMatchObject({ status: 'waiting_approval', approval: { approvalId: 'ap1', status: 'requested', scope: 'step' } });
    const granted = [...base, { type: 'ApprovalGranted', data: { approvalId: 'ap1', ...step('a'), by: 'alice' } } as FactSpec];
    expect(rowOf(granted, 'a')).toMatchObject({ status: 'ready', approval: { status: 'granted', decidedBy: 'alice' } });
    const rejected = [...base, { type: 'ApprovalRejected', data: { approvalId: 'ap1', ...step('a'), by: 'timer', timedOut: true } } as FactSpec];
    expect(rowOf(rejected, 'a')).toMatchObject({ status: 'cancelled', approval: { status: 'rejected', timedOut: true } });
  });

  it('records plan approvals and PlanFinished on the plan', () => {
    const state = foldFacts(stepsProjection, recorded([
      ...planPrefix([{ id: 'a' }]),
      { type: 'ApprovalRequested', data: { approvalId: 'ap1', interactionId: 'i1', planId: 'p1', scope: 'plan', reason: 'costly', requestedAtMs: T0 } },
      { type: 'PlanFinished', data: { interactionId: 'i1', planId: 'p1', outcome: 'cancelled' } },
    ]));
    expect(stepInteraction(state, 't1', 'i1')?.plans.p1).toMatchObject({ status: 'cancelled', approval: { scope: 'plan', status: 'requested' } });
  });

  it('ignores facts of non-thread streams and returns the same state for facts it does not use', () => {
    const facts = recorded([...planPrefix([{ id: 'a' }]), { type: 'InputReceived', data: { inputId: 'x', text: 'hi' }, stream: 'audit-1' }]);
    const before = foldFacts(stepsProjection, facts.slice(0, 4));
    expect(stepsProjection.evolve(before, facts[4] as (typeof facts)[number])).toBe(before);
  });

  it('refuses a step fact of an unknown plan or step, naming it', () => {
    const unknownPlan = recorded([{ type: 'StepReady', data: step('a') }]);
    expect(() => foldFacts(stepsProjection, unknownPlan)).toThrow(/StepReady: unknown plan 'p1' of interaction 'i1' in thread 't1'/);
    const unknownStep = recorded([...planPrefix([{ id: 'a' }]), { type: 'StepReady', data: step('zz') }]);
    expect(() => foldFacts(stepsProjection, unknownStep)).toThrow(/unknown step 'zz' in plan 'p1'/);
    const twice = recorded([...planPrefix([{ id: 'a' }]), planPrefix([{ id: 'a' }])[3] as FactSpec]);
    expect(() => foldFacts(stepsProjection, twice)).toThrow(/plan 'p1' of interaction 'i1' was already accepted/);
  });

  it('refuses a fact whose recordedAt is not a time', () => {
    const facts = recorded([...planPrefix([{ id: 'a' }]), { type: 'StepStarted', data: { ...step('a'), attempt: 1, idempotencyKey: 'k1', startedAtMs: T0 } }]);
    const last = facts[4] as (typeof facts)[number];
    const bad = { ...last, metadata: { ...last.metadata, recordedAt: 'yesterday' } };
    expect(() => foldFacts(stepsProjection, [...facts.slice(0, 4), bad])).toThrow(/recordedAt: not an ISO-8601 time: "yesterday"/);
  });
});
