/**
 * A legal synthetic thread (as bench/replay builds): `interactions` interactions, each planning one
 * plan of `steps` chained steps that all complete, then done. Facts validated (defaults filled) as
 * a store reader sees them. Actors: 1 + interactions × (1 + steps).
 */
import type { Fact } from '../../src/facts/fact-types.ts';
import { validateFact } from '../../src/facts/fact-codec.ts';
import { PlanSpec } from '../../src/plan/plan-schema.ts';

/** The facts of thread `threadId` (see the module doc). @throws Error a fact fails its schema (a bug here). */
export function longThreadFacts(threadId: string, interactions: number, steps: number): Fact[] {
  const raw: Array<{ type: string; data: unknown }> = [{ type: 'ThreadOpened', data: { threadId, policy: { kind: 'enqueue' }, maxIterations: 8 } }];
  for (let n = 1; n <= interactions; n++) {
    const interactionId = `i${n}`;
    const inputId = `in${n}`;
    const plan = PlanSpec.parse({ steps: Array.from({ length: steps }, (_, s) => ({ id: `s${s}`, action: 'noop', input: { n: s }, dependsOn: s === 0 ? [] : [`s${s - 1}`] })) });
    raw.push(
      { type: 'InputReceived', data: { inputId, text: `input ${n}` } },
      { type: 'PolicyApplied', data: { inputId, decision: 'start', policy: 'enqueue', reason: 'no interaction is live', interactionId } },
      { type: 'InteractionStarted', data: { interactionId, inputId, text: `input ${n}`, maxIterations: 8 } },
      { type: 'PlanningRequested', data: { interactionId, iteration: 1 } },
      { type: 'PlannerResponded', data: { interactionId, iteration: 1, output: { kind: 'mini_plan', plan }, repairs: 0 } },
      { type: 'PlanAccepted', data: { interactionId, planId: 'p1', iteration: 1, plan } },
    );
    for (let s = 0; s < steps; s++) {
      const ref = { interactionId, planId: 'p1', stepId: `s${s}` };
      raw.push(
        { type: 'StepReady', data: ref },
        { type: 'StepStarted', data: { ...ref, attempt: 1, idempotencyKey: `t/${interactionId}/p1/s${s}/1`, reservedUsd: 0, startedAtMs: n } },
        { type: 'StepCompleted', data: { ...ref, attempt: 1, output: { ok: true, n: s }, costUsd: 0, durationMs: 1 } },
      );
    }
    raw.push(
      { type: 'PlanFinished', data: { interactionId, planId: 'p1', outcome: 'completed' } },
      { type: 'PlanningRequested', data: { interactionId, iteration: 2 } },
      { type: 'PlannerResponded', data: { interactionId, iteration: 2, output: { kind: 'done', answer: 'ok' }, repairs: 0 } },
      { type: 'InteractionCompleted', data: { interactionId, answer: 'ok' } },
    );
  }
  return raw.map(({ type, data }) => {
    const parsed = validateFact(type as Fact['type'], data);
    if (!parsed.ok) throw new Error(`${type}: ${JSON.stringify(parsed.issues)}`);
    return { type, data: parsed.data } as Fact;
  });
}
