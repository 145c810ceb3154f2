/** The `dag` projection: layout, edges, ready set and the critical path so far. */
import { describe, expect, it } from 'vitest';
import { dagInteraction, dagProjection, layerSteps, type PlanDag } from '../../projections/dag.ts';
import { foldFacts } from '../../src/projections/projection.ts';
import { PlanSpec } from '../../src/plan/plan-schema.ts';
import { planPrefix, recorded, step, type FactSpec } from './fact-builder.ts';

const dagOf = (specs: FactSpec[]): PlanDag => {
  const plan = dagInteraction(foldFacts(dagProjection, recorded(specs)), 't1', 'i1')?.plans.p1;
  if (!plan) throw new Error('no plan');
  return plan;
};
const complete = (id: string, durationMs: number, attempt = 1): FactSpec[] => [
  { type: 'StepReady', data: step(id) },
  { type: 'StepStarted', data: { ...step(id), attempt, idempotencyKey: `${id}-${attempt}`, startedAtMs: 0 } },
  { type: 'StepCompleted', data: { ...step(id), attempt, output: null, durationMs } },
];
//   a ─┬─ b ── d
//      └─ c ──┘        e (independent)
const diamond = planPrefix([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a'], retry: { maxAttempts: 2 } }, { id: 'd', dependsOn: ['b', 'c'] }, { id: 'e' }]);

describe('dag projection', () => {
  it('lays nodes out by longest dependency chain and lists edges dependency → dependent', () => {
    const dag = dagOf(diamond);
    expect(Object.fromEntries(dag.nodeOrder.map((id) => [id, dag.nodes[id]?.layer]))).toEqual({ a: 0, b: 1, c: 1, d: 2, e: 0 });
    expect(dag.layerCount).toBe(3);
    expect(dag.edges).toEqual([{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }, { from: 'b', to: 'd' }, { from: 'c', to: 'd' }]);
    expect(dag.ready).toEqual(['a', 'e']); // the roots: ready (derived) from PlanAccepted on
    expect(dag.criticalPath).toEqual({ stepIds: [], durationMs: 0 });
  });

  it('derives readiness: dependents become ready when their dependencies complete, with no StepReady', () => {
    const start = (id: string): FactSpec => ({ type: 'StepStarted', data: { ...step(id), attempt: 1, idempotencyKey: `${id}-1`, startedAtMs: 0 } });
    const done = (id: string): FactSpec => ({ type: 'StepCompleted', data: { ...step(id), attempt: 1, output: null, durationMs: 1 } });
    expect(dagOf([...diamond, start('a')]).ready).toEqual(['e']);
    expect(dagOf([...diamond, start('a'), done('a')]).ready).toEqual(['b', 'c', 'e']);
    expect(dagOf([...diamond, start('a'), done('a'), start('b'), done('b')]).nodes.d?.status).toBe('pending');
    const all = dagOf([...diamond, start('a'), done('a'), start('b'), done('b'), start('c'), done('c')]);
    expect(all.ready).toEqual(['d', 'e']);
    const gated = diamond.map((f) => (f.type === 'PlanAccepted' ? { ...f, data: { ...f.data, plan: { ...f.data.plan, requiresApproval: true } } } : f)) as FactSpec[];
    expect(dagOf(gated).ready).toEqual([]);
    expect(dagOf([...gated, { type: 'ApprovalGranted', data: { approvalId: 'ap', interactionId: 'i1', planId: 'p1', by: 'alice' } }]).ready).toEqual(['a', 'e']);
  });

  it('keeps the ready set in plan order', () => {
    const dag = dagOf([...diamond, { type: 'StepReady', data: step('e') }, { type: 'StepReady', data: step('a') }]);
    expect(dag.ready).toEqual(['a', 'e']);
    expect(dagOf([...diamond, { type: 'StepReady', data: step('e') }, ...complete('a', 5).slice(0, 2)]).ready).toEqual(['e']);
  });

  it('finds the longest path by recorded durations over completed nodes, including failed attempts', () => {
    const specs: FactSpec[] = [
      ...diamond,
      ...complete('a', 100),
      ...complete('e', 150),
      ...complete('b', 50),
      { type: 'StepReady', data: step('c') },
      { type: 'StepStarted', data: { ...step('c'), attempt: 1, idempotencyKey: 'c1', startedAtMs: 0 } },
      { type: 'StepFailed', data: { ...step('c'), attempt: 1, error: { message: 'x' }, retryInMs: 0, retryAtMs: 0, durationMs: 70 } },
    ];
    expect(dagOf(specs).criticalPath).toEqual({ stepIds: ['e'], durationMs: 150 }); // a→b = 150 ties e: the first to reach it stays
    const more = [...specs, { type: 'StepStarted', data: { ...step('c'), attempt: 2, idempotencyKey: 'c2', startedAtMs: 0 } }, { type: 'StepCompleted', data: { ...step('c'), attempt: 2, output: 1, durationMs: 10 } }] as FactSpec[];
    expect(dagOf(more).criticalPath).toEqual({ stepIds: ['a', 'c'], durationMs: 180 });
    expect(dagOf(more).nodes.c).toMatchObject({ attempts: 2, runMs: 80, pathMs: 180, pathPrev: 'a' });
    expect(dagOf([...more, ...complete('d', 1)]).criticalPath).toEqual({ stepIds: ['a', 'c', 'd'], durationMs: 181 });
  });

  it('cancels a step whose approval is rejected (by a person or a timeout), as the step machine does', () => {
    const base: FactSpec[] = [
      ...planPrefix([{ id: 'a', requiresApproval: true }, { id: 'b' }]),
      { type: 'StepReady', data: step('a') },
      { type: 'ApprovalRequested', data: { approvalId: 'ap1', ...step('a'), scope: 'step', reason: 'writes files', requestedAtMs: 0 } },
    ];
    expect(dagOf(base).nodes.a?.status).toBe('waiting_approval');
    for (const decision of [{ by: 'bob', timedOut: false }, { by: 'timer', timedOut: true }]) {
      const rejected = dagOf([...base, { type: 'ApprovalRejected', data: { approvalId: 'ap1', ...step('a'), ...decision } } as FactSpec]);
      expect(rejected.nodes.a?.status).toBe('cancelled');
      expect(rejected.ready).toEqual(['b']);
    }
    const plan = dagOf([...base, { type: 'ApprovalRejected', data: { approvalId: 'p1', interactionId: 'i1', planId: 'p1', by: 'bob', timedOut: false } } as FactSpec]);
    expect(plan.nodes.a?.status).toBe('waiting_approval'); // a plan rejection cancels steps through StepCancelled facts
  });

  it('a plan is running until its PlanFinished, then has the recorded outcome', () => {
    const specs: FactSpec[] = [...planPrefix([{ id: 'a' }]), ...complete('a', 5)];
    expect(dagOf(specs).status).toBe('running');
    for (const outcome of ['completed', 'failed', 'cancelled'] as const) {
      expect(dagOf([...specs, { type: 'PlanFinished', data: { interactionId: 'i1', planId: 'p1', outcome } }]).status).toBe(outcome);
    }
  });

  it('refuses plans with a cycle or an unknown dependency, naming the steps', () => {
    const plan = (steps: object[]) => PlanSpec.parse({ steps });
    expect(() => layerSteps(plan([{ id: 'a', action: 'x', dependsOn: ['b'] }, { id: 'b', action: 'x', dependsOn: ['a'] }, { id: 'c', action: 'x' }]))).toThrow(
      "PlanAccepted: dependency cycle among steps 'a', 'b'",
    );
    expect(() => layerSteps(plan([{ id: 'a', action: 'x', dependsOn: ['zz'] }]))).toThrow("step 'a' depends on unknown step 'zz'");
    expect(() => foldFacts(dagProjection, recorded([{ type: 'StepReady', data: step('a') }]))).toThrow(/unknown plan 'p1'/);
  });
});
