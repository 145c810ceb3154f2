/** The interaction machine remembers step pause points taken (context `stepPauses`), derived from Interrupted facts only. */
import { describe, expect, it } from 'vitest';
import { interactionMachine } from '../../machines/interaction.machine.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import type { InterruptKind } from '../../src/facts/facts/interaction-facts.ts';
import type { PlanSpec } from '../../src/plan/plan-schema.ts';
import { canonicalJson } from '../../src/history/fold/state-digest.ts';
import { run, start } from './helpers.ts';

const I = 'i1';
const plan: PlanSpec = { steps: [{ id: 'a', action: 'x', input: {}, dependsOn: [], priority: 0, interruptBefore: true }], maxConcurrency: 1, failurePolicy: 'fail_fast' };
const toExecuting = (planId: string, iteration: number): Fact[] => [
  { type: 'PlanningRequested', data: { interactionId: I, iteration } },
  { type: 'PlannerResponded', data: { interactionId: I, iteration, output: { kind: 'mini_plan', plan }, repairs: 0 } },
  { type: 'PlanAccepted', data: { interactionId: I, planId, iteration, plan } },
];
const interrupted = (kind: InterruptKind, stepId?: string): Fact => ({ type: 'Interrupted', data: { interactionId: I, kind, ...(stepId ? { stepId } : {}) } });
const resumed: Fact = { type: 'Resumed', data: { interactionId: I } };

describe('interaction machine: stepPauses', () => {
  const fresh = () => start(interactionMachine, { interactionId: I, inputId: 'in1', text: 'go', maxIterations: 3 });

  it('records before_step/after_step pauses naming a step of the current plan, kept across Resumed', () => {
    const s = run(interactionMachine, fresh(), [...toExecuting('p1', 1), interrupted('before_step', 'a'), resumed, interrupted('after_step', 'a'), resumed]);
    expect(s.value).toEqual({ live: 'executing' });
    expect(s.context.stepPauses).toEqual([
      { planId: 'p1', stepId: 'a', kind: 'before_step' },
      { planId: 'p1', stepId: 'a', kind: 'after_step' },
    ]);
    expect(s.context.interrupt).toBeUndefined();
  });

  it('ignores other kinds, pauses without a step, and pauses while no plan is current; absent until the first', () => {
    const s = run(interactionMachine, fresh(), [interrupted('before_step', 'a'), resumed, ...toExecuting('p1', 1), interrupted('user_request', 'a'), resumed, interrupted('approval'), resumed, interrupted('after_step'), resumed]);
    expect(s.context.stepPauses).toBeUndefined();
    expect(canonicalJson(s.context)).not.toContain('stepPauses'); // histories without pause points hash as before
  });

  it('names the plan current at the time (a later plan pauses again for the same step id)', () => {
    const finish: Fact[] = [
      { type: 'StepStarted', data: { interactionId: I, planId: 'p1', stepId: 'a', attempt: 1, idempotencyKey: 'k', reservedUsd: 0, startedAtMs: 1 } },
      { type: 'StepCompleted', data: { interactionId: I, planId: 'p1', stepId: 'a', attempt: 1, output: 1, costUsd: 0, durationMs: 1 } },
      { type: 'PlanFinished', data: { interactionId: I, planId: 'p1', outcome: 'completed' } },
    ];
    const s = run(interactionMachine, fresh(), [...toExecuting('p1', 1), interrupted('before_step', 'a'), resumed, ...finish, ...toExecuting('p2', 2), interrupted('before_step', 'a')]);
    expect(s.value).toBe('interrupted');
    expect(s.context.stepPauses?.map((p) => p.planId)).toEqual(['p1', 'p2']);
  });
});
