/**
 * Types of the interaction machine (machines/interaction.machine.ts): its context, input and events,
 * and the records its context holds. Re-exported by the machine module.
 */
import type { AppendSeq } from '../src/core/append-seq.ts';
import type { Fact, FactData, FactOf } from '../src/facts/fact-types.ts';
import type { ErrorInfo } from '../src/facts/facts/common.ts';
import type { InterruptKind } from '../src/facts/facts/interaction-facts.ts';
import type { PlanSpec } from '../src/plan/plan-schema.ts';
import type { PlannerOutput } from '../src/plan/planner-output.ts';

/** What one executed step produced, as the interaction records it when the step settles; fed back to the planner. */
export interface Observation {
  planId: string;
  stepId: string;
  action: string;
  status: 'completed' | 'failed' | 'cancelled';
  output?: unknown;
  error?: string;
}

/** Whole-plan approval gate of one plan. */
export interface PlanApproval {
  approvalId: string;
  status: 'requested' | 'granted' | 'rejected';
  requestedAtMs: number;
  timeoutMs?: number;
}

/** A plan accepted by this interaction, in acceptance order. */
export interface AcceptedPlan {
  planId: string;
  iteration: number;
  plan: PlanSpec;
  approval?: PlanApproval;
}

/** Live child states of the interaction (also the `resumeTo` of an interrupted one). */
export type LiveInteractionState = 'observing' | 'planning' | 'deciding' | 'executing' | 'waiting_approval' | 'waiting_input';

/** A pause point taken: `Interrupted { kind, stepId }` while `planId` was the current plan. */
export interface StepPause {
  planId: string;
  stepId: string;
  kind: 'before_step' | 'after_step';
}

/** A question the planner asked (need_input) and where its answer is in `mergedInputs`. */
export interface AnsweredQuestion {
  question: string;
  inputIndex: number;
}

/** What the interaction machine is created with: InteractionStarted's data. */
export type InteractionInput = FactData<'InteractionStarted'>;

/** Context of an interaction. */
export interface InteractionContext {
  interactionId: string;
  inputId: string;
  /** The input text that started it. */
  input: string;
  /** Texts merged in later (steer, answers to a question), oldest first. */
  mergedInputs: string[];
  /** Planning iterations requested so far (1-based count). */
  iteration: number;
  maxIterations: number;
  plans: AcceptedPlan[];
  currentPlanId?: string;
  /**
   * Step ids of the current plan that reached a final state, in the order they settled (an
   * AppendSeq: O(1) to append and to test; its JSON and its digest are the plain array's).
   */
  settledSteps: AppendSeq<string>;
  /** Final outcomes of steps (and rejected plans) in fact order (an AppendSeq, as `settledSteps`). */
  observations: AppendSeq<Observation>;
  /** StepStarted facts seen (attempts of every plan). */
  stepsStarted: number;
  /** Approval ids requested and not yet decided. */
  pendingApprovals: string[];
  lastOutput?: PlannerOutput;
  answer?: string;
  /** The pending question while `waiting_input`. */
  question?: string;
  /**
   * Questions answered by merged inputs: the question and the index of its answer in
   * `mergedInputs`. From InputMerged facts that name the question; absent until the first one
   * (histories without such facts hash as before).
   */
  answered?: AnsweredQuestion[];
  error?: ErrorInfo;
  /** Where an interrupted interaction resumes, and why it was interrupted. */
  resumeTo?: LiveInteractionState;
  interrupt?: { kind: InterruptKind; stepId?: string; reason?: string };
  /**
   * Step pause points already taken: one entry per `Interrupted` of kind `before_step`/`after_step`
   * naming a step of the current plan (kept after `Resumed`, so a step pauses once). Absent until
   * the first one (histories without pause points hash as before).
   */
  stepPauses?: StepPause[];
  cancelReason?: string;
  /** Budget limit raised for this interaction's plans by BudgetExtended, USD. */
  budgetLimitUsd?: number;
}

/**
 * StepCancelled as the interaction machine receives it: the fact, plus `pendingApprovalId` when the
 * cancelled step was waiting for that (still pending) approval. The annotation is derived by the fold
 * from the step's snapshot (src/history/fold/route-fact.ts), never stored in the fact.
 */
export type StepCancelledEvent = FactOf<'StepCancelled'> & { pendingApprovalId?: string };

/** Events of the interaction machine: facts (StepCancelled possibly annotated, see StepCancelledEvent). */
export type InteractionEvent = Fact | StepCancelledEvent;
