/**
 * What the agent loop records instead of one of its own facts that is over the event size limit
 * (`FactTooLargeError` from `Draft.add`), so the thread goes on by its rules instead of failing to
 * append:
 * - StepStarted (the step's input, references resolved, is too large) → the attempt is recorded as
 *   started without its input and failed before its action ran: StepStarted { reservedUsd: 0 } +
 *   final StepFailed { code INPUT_TOO_LARGE }; the plan's failure policy then applies (under
 *   `fail_fast` that pair is the layer's only facts, as for any failure before a run);
 * - PlanAccepted (the normalised plan) → PlanRejected { code PLAN_TOO_LARGE }: an observation for
 *   the next planning iteration;
 * - InteractionCompleted / InputRequested (the answer / question) → InteractionFailed
 *   { code ANSWER_TOO_LARGE / QUESTION_TOO_LARGE }.
 * Every recorded error names both sizes in bytes and is not retryable.
 */
import type { FactData, FactInput } from '../facts/fact-types.ts';
import { oversizeMessage, type FactTooLargeError } from './fact-size.ts';

/**
 * `facts` with the fact at `err.index` replaced as described in the module doc, or undefined when
 * that fact has no replacement (a runtime bug: the caller rethrows `err`).
 * @param failFast the plan's failure policy is `fail_fast` (only used for StepStarted).
 */
export function fittingFacts(facts: readonly FactInput[], err: FactTooLargeError, failFast: boolean): FactInput[] | undefined {
  const i = err.index;
  const replaced = replacement(err);
  if (replaced === undefined || facts[i]?.type !== err.factType) return undefined;
  if (err.factType === 'StepStarted' && failFast) return replaced;
  return [...facts.slice(0, i), ...replaced, ...facts.slice(i + 1)];
}

function replacement(err: FactTooLargeError): FactInput[] | undefined {
  switch (err.factType) {
    case 'StepStarted': {
      const { input: _input, ...started } = err.data as FactData<'StepStarted'>;
      const { interactionId, planId, stepId, attempt } = started;
      const message = oversizeMessage(`step '${stepId}': the input (references resolved, fact StepStarted)`, err);
      return [
        { type: 'StepStarted', data: { ...started, reservedUsd: 0 } },
        {
          type: 'StepFailed',
          data: { interactionId, planId, stepId, attempt, error: { code: 'INPUT_TOO_LARGE', message, retryable: false }, retryInMs: null, retryAtMs: null, costUsd: 0, durationMs: 0 },
        },
      ];
    }
    case 'PlanAccepted': {
      const { interactionId, iteration } = err.data as FactData<'PlanAccepted'>;
      const message = oversizeMessage(`interaction '${interactionId}': the plan of iteration ${iteration} (fact PlanAccepted)`, err);
      return [{ type: 'PlanRejected', data: { interactionId, iteration, error: { code: 'PLAN_TOO_LARGE', message, retryable: false } } }];
    }
    case 'InteractionCompleted':
    case 'InputRequested': {
      const { interactionId } = err.data as { interactionId: string };
      const [code, what] = err.factType === 'InteractionCompleted' ? ['ANSWER_TOO_LARGE', 'answer'] : ['QUESTION_TOO_LARGE', 'question'];
      const message = oversizeMessage(`interaction '${interactionId}': the ${what} (fact ${err.factType})`, err);
      return [{ type: 'InteractionFailed', data: { interactionId, error: { code, message, retryable: false } } }];
    }
    default:
      return undefined;
  }
}
