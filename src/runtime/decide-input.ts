/**
 * Deciding what new input does to a thread (pure): the concurrency policy's decision and the facts
 * that record and perform it. Also the facts that end an interaction on cancel, and that start the
 * head of the queue. Used inside a draft; every fact is checked by the fold when added.
 */
import type { FactInput } from '../facts/fact-types.ts';
import { ThreadClosedError, ThreadNotFoundError } from './command-errors.ts';
import { decidePolicy } from './policy-decision.ts';
import { policyName, queueCapacity, type PolicyFn, type PolicyInput } from './policies.ts';
import { recordSize } from '../history/fold/step-table.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import { interactionView, planRunView, threadView } from '../history/fold/views.ts';
import type { PolicyDecision } from '../facts/facts/thread-facts.ts';

/** Result of `send`: the input's id, the policy decision, and the interaction started or steered. */
export interface SendResult {
  inputId: string;
  decision: PolicyDecision;
  /** The interaction started (`start`, `interrupt`) or that received the input (`steer`). */
  interactionId?: string;
  /** Interactions cancelled by an `interrupt` decision. */
  interrupted?: string[];
  reason: string;
}

/**
 * Id of the next interaction of `state`: `i<n>` with n = interactions so far + 1. Deterministic, so
 * a re-decision after a lost append names the same interaction.
 */
export function nextInteractionId(state: ThreadState): string {
  return `i${recordSize(state.interactions) + 1}`; // not Object.keys: that makes every interaction of a decoded entry
}

/** @throws ThreadNotFoundError when the thread was never opened; ThreadClosedError when it is closed. */
export function assertOpen(state: ThreadState): void {
  const status = threadView(state).status;
  if (status === 'new') throw new ThreadNotFoundError(state.threadId);
  if (status !== 'open') throw new ThreadClosedError(state.threadId, status);
}

/**
 * Facts for input `input` arriving at the thread, and the decision taken.
 * @throws ThreadClosedError, UnknownPolicyError, InvalidPolicyDecisionError.
 */
export function decideInput(
  state: ThreadState,
  input: PolicyInput,
  custom: Readonly<Record<string, PolicyFn>>,
): { facts: FactInput[]; result: SendResult; cancelled: string[] } {
  assertOpen(state);
  const tv = threadView(state);
  const live = tv.live.map((id) => interactionView(state, id));
  const decision = decidePolicy(tv.policy, { live, queueLength: tv.queue.length, input }, custom);
  const received: FactInput = {
    type: 'InputReceived',
    data: { inputId: input.inputId, text: input.text, ...(input.from !== undefined ? { from: input.from } : {}) },
  };
  const applied = { inputId: input.inputId, decision: decision.decision, policy: policyName(tv.policy), reason: decision.reason };
  const result: SendResult = { inputId: input.inputId, decision: decision.decision, reason: decision.reason };
  switch (decision.decision) {
    case 'reject':
    case 'enqueue':
      return { facts: [received, { type: 'PolicyApplied', data: applied }], result, cancelled: [] };
    case 'steer': {
      const target = decision.targetInteractionId!;
      result.interactionId = target;
      const waiting = live.find((i) => i.interactionId === target && i.status === 'waiting_input');
      const question = waiting?.question;
      return {
        facts: [
          received,
          { type: 'PolicyApplied', data: { ...applied, interactionId: target } },
          {
            type: 'InputMerged',
            data: { interactionId: target, inputId: input.inputId, text: input.text, ...(question !== undefined ? { question } : {}) },
          },
        ],
        result,
        cancelled: [],
      };
    }
    case 'start': {
      const id = nextInteractionId(state);
      result.interactionId = id;
      return {
        facts: [received, { type: 'PolicyApplied', data: { ...applied, interactionId: id } }, startFact(id, input, tv.maxIterations)],
        result,
        cancelled: [],
      };
    }
    case 'interrupt': {
      const id = nextInteractionId(state);
      const cancelled = tv.live;
      result.interactionId = id;
      result.interrupted = cancelled;
      const facts: FactInput[] = [
        received,
        { type: 'PolicyApplied', data: { ...applied, interactionId: id, interruptedId: decision.targetInteractionId! } },
      ];
      for (const victim of cancelled) facts.push(...cancelInteractionFacts(state, victim, `interrupted by input ${input.inputId}`));
      facts.push(startFact(id, input, tv.maxIterations));
      return { facts, result, cancelled };
    }
  }
}

function startFact(interactionId: string, input: PolicyInput, maxIterations: number): FactInput {
  return { type: 'InteractionStarted', data: { interactionId, inputId: input.inputId, text: input.text, maxIterations } };
}

/**
 * Facts that cancel live interaction `interactionId`: `StepCancelled` for every step of its current
 * plan that is not final (running work is aborted by the runtime after the append; progress facts
 * already recorded stay as its partial results), then `InteractionCancelled`.
 */
export function cancelInteractionFacts(state: ThreadState, interactionId: string, reason: string): FactInput[] {
  const iv = interactionView(state, interactionId);
  const facts: FactInput[] = [];
  if (iv.currentPlanId !== undefined) {
    const view = planRunView(state, interactionId, iv.currentPlanId);
    for (const step of view.plan.steps) {
      const stepView = view.steps[step.id];
      if (stepView && !['completed', 'failed', 'cancelled'].includes(stepView.status)) {
        facts.push({ type: 'StepCancelled', data: { interactionId, planId: iv.currentPlanId, stepId: step.id, reason } });
      }
    }
  }
  facts.push({ type: 'InteractionCancelled', data: { interactionId, reason } });
  return facts;
}

/**
 * When the queue has inputs and fewer interactions are live than the policy allows (1, or `max`
 * for `parallel`), the facts that start the queue's head (FIFO); otherwise none.
 */
export function dequeueFacts(state: ThreadState): FactInput[] {
  const tv = threadView(state);
  const head = tv.queue[0];
  if (tv.status !== 'open' || head === undefined || tv.live.length >= queueCapacity(tv.policy)) return [];
  return [startFact(nextInteractionId(state), { inputId: head.inputId, text: head.text }, tv.maxIterations)];
}
