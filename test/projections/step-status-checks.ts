/**
 * Per-revision agreement of step status and attempts: the `steps` and `dag` projections against the
 * runtime's own fold (the step machines), after every fact of a history.
 */
import { expect } from 'vitest';
import { dagInteraction, dagProjection, type DagState } from '../../projections/dag.ts';
import { stepInteraction, stepsProjection, type StepsState } from '../../projections/steps.ts';
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import { applyFact, initialThreadState, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { planRunView } from '../../src/history/fold/views.ts';

/**
 * Folds `facts` (a store's whole log, position order) one at a time with the runtime's fold (one
 * ThreadState per stream) and with the `steps` and `dag` projections; after each fact, every step of
 * that fact's thread has the same status and attempts in both projections as its step machine (the
 * status as the runtime's views derive it: `ready` for a pending step whose dependencies are done), and
 * the projections hold no step the fold does not. Adds `steps compared` / `step <status>` to
 * `coverage` for the generator's coverage assertions.
 * @returns the number of (revision, step) pairs compared
 */
export function checkStepsPerRevision(facts: readonly RecordedFact[], coverage: Set<string>): number {
  const folds = new Map<string, ThreadState>();
  let steps: StepsState = stepsProjection.initialState;
  let dag: DagState = dagProjection.initialState;
  let compared = 0;
  for (const fact of facts) {
    if (!fact.streamId.startsWith('thread-')) continue;
    const threadId = fact.streamId.slice('thread-'.length);
    const state = applyFact(folds.get(threadId) ?? initialThreadState(threadId), fact, fact.revision);
    folds.set(threadId, state);
    steps = stepsProjection.evolve(steps, fact);
    dag = dagProjection.evolve(dag, fact);
    const counts = new Map<string, number>();
    for (const [key, snap] of Object.entries(state.steps)) {
      const [interactionId, planId, stepId] = key.split('/') as [string, string, string];
      const at = `${fact.streamId}@${fact.revision} (${fact.type}) step ${key}`;
      const row = stepInteraction(steps, threadId, interactionId)?.plans[planId]?.steps[stepId];
      const node = dagInteraction(dag, threadId, interactionId)?.plans[planId]?.nodes[stepId];
      const want = { status: planRunView(state, interactionId, planId).stepState!(stepId)!.status as string, attempts: snap.context.attempts };
      if (want.status === 'ready' && snap.value === 'pending') coverage.add('step ready (derived)');
      expect({ status: row?.status, attempts: row?.attempts }, `steps ${at}`).toEqual(want);
      expect({ status: node?.status, attempts: node?.attempts }, `dag ${at}`).toEqual(want);
      coverage.add(`step ${want.status}`);
      counts.set(`${interactionId}/${planId}`, (counts.get(`${interactionId}/${planId}`) ?? 0) + 1);
      compared += 1;
    }
    for (const [plan, n] of counts) {
      const [interactionId, planId] = plan.split('/') as [string, string];
      const rows = Object.keys(stepInteraction(steps, threadId, interactionId)?.plans[planId]?.steps ?? {}).length;
      expect(rows, `steps rows of ${plan} at ${fact.streamId}@${fact.revision}`).toBe(n);
    }
  }
  if (compared > 0) coverage.add('steps compared');
  return compared;
}
