/**
 * The facts of a legal synthetic thread, for benches and tests that need a long history without
 * running a runtime (bench/replay, test/support/long-thread.ts): interaction `n` takes input `n`,
 * plans one plan of `steps` chained no-op steps that all complete, then is done.
 */
import type { FactInput } from '../../src/facts/fact-types.ts';
import { PlanSpec } from '../../src/plan/plan-schema.ts';

/** The thread's first fact. */
export function threadOpenedFact(threadId: string): FactInput {
  return { type: 'ThreadOpened', data: { threadId, policy: { kind: 'enqueue' }, maxIterations: 8 } };
}

/**
 * The facts of interaction `i<n>` (n ≥ 1; interactions must come in order 1, 2, …): 10 + 3 × `steps`
 * facts. `keyPrefix` starts each step's idempotency key; `startedAtMs` is every StepStarted's time (ms).
 */
export function syntheticInteractionFacts(n: number, steps: number, keyPrefix: string, startedAtMs: number): FactInput[] {
  const interactionId = `i${n}`;
  const inputId = `in${n}`;
  const plan = PlanSpec.parse({ steps: Array.from({ length: steps }, (_, s) => ({ id: `s${s}`, action: 'noop', input: { n: s }, dependsOn: s === 0 ? [] : [`s${s - 1}`] })) });
  const facts: FactInput[] = [
    { type: 'InputReceived', data: { inputId, text: `input ${n}` } },
    { type: 'PolicyApplied', data: { inputId, decision: 'start', policy: 'enqueue', reason: 'no interaction is live', interactionId } },
    { type: 'InteractionStarted', data: { interactionId, inputId, text: `input ${n}`, maxIterations: 8 } },
    { type: 'PlanningRequested', data: { interactionId, iteration: 1 } },
    { type: 'PlannerResponded', data: { interactionId, iteration: 1, output: { kind: 'mini_plan', plan }, repairs: 0 } },
    { type: 'PlanAccepted', data: { interactionId, planId: 'p1', iteration: 1, plan } },
  ];
  for (let s = 0; s < steps; s++) {
    const ref = { interactionId, planId: 'p1', stepId: `s${s}` };
    facts.push(
      { type: 'StepReady', data: ref },
      { type: 'StepStarted', data: { ...ref, attempt: 1, idempotencyKey: `${keyPrefix}/${interactionId}/p1/s${s}/1`, reservedUsd: 0, startedAtMs } },
      { type: 'StepCompleted', data: { ...ref, attempt: 1, output: { ok: true, n: s }, costUsd: 0, durationMs: 1 } },
    );
  }
  facts.push(
    { type: 'PlanFinished', data: { interactionId, planId: 'p1', outcome: 'completed' } },
    { type: 'PlanningRequested', data: { interactionId, iteration: 2 } },
    { type: 'PlannerResponded', data: { interactionId, iteration: 2, output: { kind: 'done', answer: 'ok' }, repairs: 0 } },
    { type: 'InteractionCompleted', data: { interactionId, answer: 'ok' } },
  );
  return facts;
}
