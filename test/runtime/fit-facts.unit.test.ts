/**
 * `fittingFacts`: what the agent loop records instead of its own fact over the size limit, and the
 * size helpers it relies on (`encodedFactBytes`, `largestLeaf`).
 */
import { describe, expect, it } from 'vitest';
import type { FactInput } from '../../src/facts/fact-types.ts';
import { encodedFactBytes, FactTooLargeError, largestLeaf } from '../../src/runtime/fact-size.ts';
import { fittingFacts } from '../../src/runtime/fit-facts.ts';

const tooLarge = (facts: FactInput[], index: number): FactTooLargeError => new FactTooLargeError('t', facts[index]!.type, 2_000_000, 1_048_576, index, facts[index]!.data);
const ref = { interactionId: 'i1', planId: 'p1' };
const started = (stepId: string, input?: unknown): FactInput => ({
  type: 'StepStarted',
  data: { ...ref, stepId, attempt: 1, idempotencyKey: `t/i1/p1/${stepId}/1`, reservedUsd: 0.5, startedAtMs: 10, ...(input !== undefined ? { input } : {}) },
});

describe('fittingFacts', () => {
  it('StepStarted with a too-large input: started without input, reservedUsd 0, then a final StepFailed INPUT_TOO_LARGE; other facts kept (continue)', () => {
    const facts = [started('a', { v: 1 }), started('b', { v: 'x' }), started('c', { v: 3 })];
    const out = fittingFacts(facts, tooLarge(facts, 1), false)!;
    expect(out.map((f) => `${f.type}:${(f.data as { stepId: string }).stepId}`)).toEqual(['StepStarted:a', 'StepStarted:b', 'StepFailed:b', 'StepStarted:c']);
    expect(out[1]!.data).not.toHaveProperty('input');
    expect(out[1]!.data).toMatchObject({ reservedUsd: 0, attempt: 1 });
    expect(out[2]!.data).toMatchObject({
      attempt: 1,
      retryInMs: null,
      retryAtMs: null,
      error: { code: 'INPUT_TOO_LARGE', retryable: false, message: "step 'b': the input (references resolved, fact StepStarted) is 2000000 bytes after JSON encoding, over the event limit of 1048576 bytes" },
    });
  });

  it('under fail_fast the failing pair is the only facts', () => {
    const facts = [started('a', { v: 1 }), started('b', { v: 'x' })];
    expect(fittingFacts(facts, tooLarge(facts, 1), true)!.map((f) => f.type)).toEqual(['StepStarted', 'StepFailed']);
  });

  it('PlanAccepted → PlanRejected PLAN_TOO_LARGE; InteractionCompleted / InputRequested → InteractionFailed', () => {
    const accepted: FactInput[] = [{ type: 'PlanAccepted', data: { interactionId: 'i1', planId: 'p2', iteration: 2, plan: { steps: [] } as never } }];
    expect(fittingFacts(accepted, tooLarge(accepted, 0), false)).toEqual([
      { type: 'PlanRejected', data: { interactionId: 'i1', iteration: 2, error: { code: 'PLAN_TOO_LARGE', retryable: false, message: expect.stringContaining("interaction 'i1': the plan of iteration 2") } } },
    ]);
    const answer: FactInput[] = [{ type: 'InteractionCompleted', data: { interactionId: 'i1', answer: 'long' } }];
    expect(fittingFacts(answer, tooLarge(answer, 0), false)?.[0]).toMatchObject({ type: 'InteractionFailed', data: { error: { code: 'ANSWER_TOO_LARGE' } } });
    const question: FactInput[] = [{ type: 'InputRequested', data: { interactionId: 'i1', question: 'long' } }];
    expect(fittingFacts(question, tooLarge(question, 0), false)?.[0]).toMatchObject({ type: 'InteractionFailed', data: { error: { code: 'QUESTION_TOO_LARGE' } } });
  });

  it('a fact with no replacement gives undefined (the caller rethrows)', () => {
    const facts: FactInput[] = [{ type: 'PlanningRequested', data: { interactionId: 'i1', iteration: 1 } }];
    expect(fittingFacts(facts, tooLarge(facts, 0), false)).toBeUndefined();
  });
});

describe('fact sizes', () => {
  it('encodedFactBytes counts the JSON-escaped data plus the metadata', () => {
    const raw = '\x01'.repeat(1000);
    const bytes = encodedFactBytes('StepProgressed', { ...ref, stepId: 's', attempt: 1, message: raw });
    expect(bytes).toBeGreaterThan(6000);
    const meta = encodedFactBytes('StepProgressed', { m: '' }, { correlationId: 'c'.repeat(36), causationId: 'd'.repeat(36) }) - encodedFactBytes('StepProgressed', { m: '' });
    expect(meta).toBe(Buffer.byteLength(',"correlationId":"","causationId":""') + 72);
  });

  it('largestLeaf names the biggest field with its path', () => {
    expect(largestLeaf({ title: 't', steps: [{ id: 'a', input: { text: 'hi' } }, { id: 'b', input: { text: 'y'.repeat(50), n: 1 } }] })).toEqual({ path: 'steps[1].input.text', bytes: 52 });
    expect(largestLeaf('abc')).toEqual({ path: '', bytes: 5 });
  });
});
