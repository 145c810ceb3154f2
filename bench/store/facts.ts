/**
 * Realistic fact payloads for the store benchmark: the events of a step running in an interaction
 * (ready, started with an input, progress, completed with a structured output, planning), each
 * valid for the fact codec, 150–700 bytes of JSON.
 */
import { randomUUID } from 'node:crypto';
import type { EventData } from '../../src/store/event-store.ts';

/** The `i`-th fact of a synthetic run (deterministic shape, fresh event id). */
export function benchFact(i: number): EventData {
  const interactionId = `int-${Math.floor(i / 50)}`;
  const ref = { interactionId, planId: 'plan-1', stepId: `step-${i % 7}` };
  const correlation = { correlationId: `corr-${Math.floor(i / 50)}` };
  switch (i % 6) {
    case 0:
      return { id: randomUUID(), type: 'StepReady', data: ref, metadata: correlation };
    case 1:
      return {
        id: randomUUID(),
        type: 'StepStarted',
        data: {
          ...ref,
          attempt: 1,
          idempotencyKey: `${interactionId}:plan-1:step-${i % 7}:1`,
          input: { url: 'https://example.com/api/items?page=' + i, method: 'GET', headers: { accept: 'application/json' } },
          reservedUsd: 0.002,
          startedAtMs: 1_767_225_600_000 + i,
        },
        metadata: correlation,
      };
    case 2:
      return {
        id: randomUUID(),
        type: 'StepProgressed',
        data: { ...ref, attempt: 1, message: `fetched page ${i} of 40`, data: { bytes: 18_432 + i, ms: 120 } },
        metadata: correlation,
      };
    case 3:
      return {
        id: randomUUID(),
        type: 'StepCompleted',
        data: {
          ...ref,
          attempt: 1,
          output: {
            status: 200,
            items: Array.from({ length: 5 }, (_, k) => ({ id: i * 10 + k, title: `Item ${i * 10 + k}`, tags: ['alpha', 'beta'], score: k / 7 })),
            summary: 'The page lists five items; two are tagged beta and have a score above 0.4.',
          },
          costUsd: 0.0012,
          durationMs: 143.5,
        },
        metadata: correlation,
      };
    case 4:
      return { id: randomUUID(), type: 'PlanningRequested', data: { interactionId, iteration: 1 + (i % 5) }, metadata: correlation };
    default:
      return {
        id: randomUUID(),
        type: 'InteractionStarted',
        data: { interactionId, inputId: `in-${i}`, text: 'Summarise the new items of the catalogue and flag the expensive ones.', maxIterations: 8 },
        metadata: correlation,
      };
  }
}
