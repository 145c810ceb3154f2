/** An outcome replaced because its fact is over the size limit keeps the attempt's cost and LLM usage. */
import { describe, expect, it } from 'vitest';
import type { StepOutcome } from '../../src/executor/step-outcome.ts';
import { FactTooLargeError } from '../../src/runtime/fact-size.ts';
import { fittingOutcome } from '../../src/runtime/step-effect.ts';

const usage = [{ model: 'm', inputTokens: 9, outputTokens: 4, calls: 2, costUsd: 0.3 }];
const tooLarge = new FactTooLargeError('t1', 'StepCompleted', 2_000_000, 1_000_000, 0, {});

describe('fittingOutcome', () => {
  it.each<StepOutcome>([
    { status: 'ok', output: 'x'.repeat(10), costUsd: 0.5, usage, durationMs: 7 },
    { status: 'error', error: { message: 'boom' }, costUsd: 0.5, usage, durationMs: 7 },
    { status: 'cancelled', reason: 'user', partialOutput: 'x', costUsd: 0.5, usage, durationMs: 7 },
  ])('keeps cost and usage of a $status outcome', (outcome) => {
    expect(fittingOutcome('s', outcome, tooLarge)).toMatchObject({ costUsd: 0.5, usage, durationMs: 7 });
  });
});
