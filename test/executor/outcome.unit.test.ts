import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isExecutorArgumentError } from '../../src/executor/errors.ts';
import { nextBackoffMs, stepOutcomeFacts } from '../../src/executor/outcome.ts';
import { buildView, step } from '../support/plan-run-view-builder.ts';
import { applyFacts } from './apply-to-view.ts';
import { decide } from './helpers.ts';

describe('nextBackoffMs', () => {
  it('doubles from backoffMs per attempt and caps at maxBackoffMs', () => {
    const retry = { backoffMs: 100, maxBackoffMs: 30_000 };
    expect([1, 2, 3, 4, 8, 9, 10, 100].map((a) => nextBackoffMs(retry, a))).toEqual([100, 200, 400, 800, 12_800, 25_600, 30_000, 30_000]);
    expect(nextBackoffMs({ backoffMs: 0, maxBackoffMs: 10 }, 5)).toBe(0);
    expect(nextBackoffMs({ backoffMs: 500, maxBackoffMs: 200 }, 1)).toBe(200);
  });

  it('is min(backoff·2^(attempt-1), cap): an integer, never above the cap, non-decreasing in the attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 99 }), (backoffMs, maxBackoffMs, attempt) => {
        const d = nextBackoffMs({ backoffMs, maxBackoffMs }, attempt);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeLessThanOrEqual(maxBackoffMs);
        expect(d).toBe(Math.min(backoffMs * 2 ** (attempt - 1), maxBackoffMs));
        expect(nextBackoffMs({ backoffMs, maxBackoffMs }, attempt + 1)).toBeGreaterThanOrEqual(d);
      }),
    );
  });

  it('rejects attempts below 1 or fractional', () => {
    for (const a of [0, -1, 1.5]) expect(() => nextBackoffMs({ backoffMs: 1, maxBackoffMs: 1 }, a)).toThrow(`attempt must be an integer ≥ 1, got ${a}`);
  });
});

describe('stepOutcomeFacts', () => {
  const running = (attempts: number) => ({ status: 'running' as const, attempts });
  const view = (retry?: { maxAttempts: number; backoffMs?: number }, attempts = 1) => buildView({ plan: { steps: [step('a', retry ? { retry } : {})] }, steps: { a: running(attempts) } });
  const error = { message: 'boom', code: 'E_IO' };

  it('ok → StepCompleted with output, cost and duration', () => {
    expect(stepOutcomeFacts(view(), 'a', { status: 'ok', output: { n: 1 }, costUsd: 0.01, durationMs: 42 }, 5000)).toEqual([
      { type: 'StepCompleted', data: { interactionId: 'i1', planId: 'p1', stepId: 'a', attempt: 1, output: { n: 1 }, costUsd: 0.01, durationMs: 42 } },
    ]);
  });

  it('error with attempts left → StepFailed with the backoff chosen and its due time', () => {
    const [fact] = stepOutcomeFacts(view({ maxAttempts: 3, backoffMs: 250 }, 2), 'a', { status: 'error', error, costUsd: 0, durationMs: 3 }, 10_000);
    expect(fact).toEqual({ type: 'StepFailed', data: { interactionId: 'i1', planId: 'p1', stepId: 'a', attempt: 2, error, retryInMs: 500, retryAtMs: 10_500, costUsd: 0, durationMs: 3 } });
  });

  it.each([
    ['no retry policy', undefined, 1, error],
    ['attempts exhausted', { maxAttempts: 3 }, 3, error],
    ['not retryable', { maxAttempts: 3 }, 1, { ...error, retryable: false }],
  ])('error is final when %s', (_why, retry, attempts, err) => {
    const [fact] = stepOutcomeFacts(view(retry, attempts), 'a', { status: 'error', error: err, costUsd: 0.5, durationMs: 1 }, 10_000);
    expect(fact?.data).toMatchObject({ attempt: attempts, retryInMs: null, retryAtMs: null, costUsd: 0.5 });
  });

  it('cancelled → StepCancelled with the partial output and the cost', () => {
    expect(stepOutcomeFacts(view(), 'a', { status: 'cancelled', reason: 'user', partialOutput: [1], costUsd: 0.2, durationMs: 1 }, 0)).toEqual([
      { type: 'StepCancelled', data: { interactionId: 'i1', planId: 'p1', stepId: 'a', reason: 'user', partialOutput: [1], costUsd: 0.2 } },
    ]);
    expect(stepOutcomeFacts(view(), 'a', { status: 'cancelled', reason: 'user', costUsd: 0, durationMs: 1 }, 0)[0]?.data).not.toHaveProperty('partialOutput');
  });

  it('records the LLM usage of the attempt on every outcome fact, only when there is some', () => {
    const usage = [{ model: 'm', inputTokens: 3, outputTokens: 1, calls: 2, costUsd: 0.1 }];
    const outcomes = [
      { status: 'ok' as const, output: 1, costUsd: 0.1, usage, durationMs: 1 },
      { status: 'error' as const, error, costUsd: 0.1, usage, durationMs: 1 },
      { status: 'cancelled' as const, reason: 'user', costUsd: 0.1, usage, durationMs: 1 },
    ];
    expect(outcomes.map((o) => stepOutcomeFacts(view(), 'a', o, 0)[0])).toEqual([
      { type: 'StepCompleted', data: expect.objectContaining({ costUsd: 0.1, usage }) },
      { type: 'StepFailed', data: expect.objectContaining({ costUsd: 0.1, usage }) },
      { type: 'StepCancelled', data: expect.objectContaining({ costUsd: 0.1, usage }) },
    ]);
    for (const o of outcomes) {
      expect(stepOutcomeFacts(view(), 'a', { ...o, usage: undefined }, 0)[0]?.data).not.toHaveProperty('usage');
      expect(stepOutcomeFacts(view(), 'a', { ...o, usage: [] }, 0)[0]?.data).not.toHaveProperty('usage');
    }
  });

  it('ignores stale outcomes: step no longer running, or another attempt', () => {
    const gone = buildView({ plan: { steps: [step('a')] }, steps: { a: { status: 'cancelled', attempts: 1 } } });
    expect(stepOutcomeFacts(gone, 'a', { status: 'ok', output: 1, costUsd: 0, durationMs: 0 }, 0)).toEqual([]);
    expect(stepOutcomeFacts(view(undefined, 2), 'a', { status: 'ok', output: 1, attempt: 1, costUsd: 0, durationMs: 0 }, 0)).toEqual([]);
    expect(stepOutcomeFacts(view(undefined, 2), 'a', { status: 'ok', output: 1, attempt: 2, costUsd: 0, durationMs: 0 }, 0)).toHaveLength(1);
  });

  it('rejects an unknown step, a bad time, or bad amounts', () => {
    const ok = { status: 'ok' as const, output: 1, costUsd: 0, durationMs: 0 };
    let caught: unknown;
    try {
      stepOutcomeFacts(view(), 'zz', ok, 0);
    } catch (err) {
      caught = err;
    }
    expect(isExecutorArgumentError(caught)).toBe(true);
    expect((caught as Error).message).toBe("plan p1 has no step 'zz'");
    expect(() => stepOutcomeFacts(view(), 'a', ok, -5)).toThrow('nowMs must be a non-negative integer');
    expect(() => stepOutcomeFacts(view(), 'a', { ...ok, costUsd: -1 }, 0)).toThrow("step 'a': outcome costUsd must be a finite USD amount ≥ 0, got -1");
    expect(() => stepOutcomeFacts(view(), 'a', { ...ok, durationMs: Number.NaN }, 0)).toThrow('durationMs must be finite');
  });

  it('a retried step waits out its recorded backoff, then starts its next attempt with a new key', () => {
    const v = view({ maxAttempts: 2, backoffMs: 300 });
    const failed = applyFacts({ view: v }, stepOutcomeFacts(v, 'a', { status: 'error', error, costUsd: 0, durationMs: 1 }, 1000)).view;
    expect(failed.steps.a).toMatchObject({ status: 'ready', readyAtMs: 1300 });
    expect(decide(failed, { nowMs: 1299 })).toEqual({ facts: [], wakeAtMs: 1300 });
    expect(decide(failed, { nowMs: 1300 }).facts[0]?.data).toMatchObject({ attempt: 2, idempotencyKey: 't1/i1/p1/a/2', startedAtMs: 1300 });
  });
});
