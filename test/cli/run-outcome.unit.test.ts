/** When a run failed: the interaction's status, and for a completed one the steps of its last plan. */
import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../src/cli/drive.ts';
import { failedStepsOfLastPlan, runOutcome } from '../../src/cli/run-outcome.ts';
import type { Observation } from '../../machines/interaction.types.ts';
import type { InteractionView } from '../../src/history/fold/views.ts';
import type { ThreadSummary } from '../../src/runtime/thread-summary.ts';

const obs = (planId: string, stepId: string, status: Observation['status']): Observation => ({ planId, stepId, action: 'echo', status });
const view = (status: InteractionView['status'], planIds: string[], observations: Observation[]): InteractionView =>
  ({ interactionId: 'i1', status, planIds, observations }) as unknown as InteractionView;

describe('runOutcome', () => {
  it('a completed interaction whose last plan has a failed step failed (continue or fail_fast alike)', () => {
    const allFailed = view('completed', ['p1'], [obs('p1', 'a', 'failed'), obs('p1', 'b', 'failed')]);
    expect(runOutcome(allFailed)).toBe('failed');
    expect(failedStepsOfLastPlan(allFailed)).toEqual(['a', 'b']);
    expect(runOutcome(view('completed', ['p1'], [obs('p1', 'ok', 'completed'), obs('p1', 'bad', 'failed')]))).toBe('failed');
    expect(outcomeOf({ interactions: { i1: allFailed } } as unknown as ThreadSummary, ['i1'])).toEqual({ exitCode: 1, status: 'failed' });
  });

  it('a later plan that completed recovers an earlier failure; a rejected approval alone is no failure', () => {
    expect(runOutcome(view('completed', ['p1', 'p2'], [obs('p1', 'a', 'failed'), obs('p2', 'b', 'completed')]))).toBe('completed');
    expect(runOutcome(view('completed', ['p1'], [obs('p1', 'a', 'completed'), obs('p1', 'publish', 'cancelled')]))).toBe('completed');
    expect(runOutcome(view('completed', [], []))).toBe('completed');
  });

  it('failed and cancelled interactions failed; live ones are paused', () => {
    expect(runOutcome(view('failed', [], []))).toBe('failed');
    expect(runOutcome(view('cancelled', ['p1'], []))).toBe('failed');
    expect(runOutcome(view('waiting_approval', ['p1'], [obs('p1', 'a', 'failed')]))).toBe('paused');
  });
});
