/** Facts of an Interaction: one trigger→response attempt running the planning/executing agent loop. */
import { z } from 'zod';
import { PlannerOutput } from '../../plan/planner-output.ts';
import { PlanSpec } from '../../plan/plan-schema.ts';
import { ErrorInfo, Id, Json, Usage } from './common.ts';

export const InterruptKind = z.enum(['before_step', 'after_step', 'approval', 'user_request']);
export type InterruptKind = z.infer<typeof InterruptKind>;

export const interactionFacts = {
  InteractionStarted: z.object({
    interactionId: Id,
    inputId: Id,
    text: z.string(),
    maxIterations: z.number().int().min(1),
  }),
  /** Steer: more input merged into a running interaction; the planner sees it at its next call. */
  /** `question`: the interaction's pending question (InputRequested) this input answers, if any. */
  InputMerged: z.object({ interactionId: Id, inputId: Id, text: z.string(), question: z.string().optional() }),
  /** The runtime asks the planner for iteration `iteration` (1-based). */
  PlanningRequested: z.object({ interactionId: Id, iteration: z.number().int().min(1) }),
  /** The planner's validated answer, with what it cost. `request`: the essentials sent (no secrets). */
  PlannerResponded: z.object({
    interactionId: Id,
    iteration: z.number().int().min(1),
    output: PlannerOutput,
    usage: Usage.optional(),
    request: Json.optional(),
    raw: Json.optional(),
    repairs: z.number().int().min(0).default(0),
  }),
  PlannerFailed: z.object({ interactionId: Id, iteration: z.number().int().min(1), error: ErrorInfo, usage: Usage.optional() }),
  /** A normalised plan; each of its steps gets a step machine. `planId` is unique within the interaction. */
  PlanAccepted: z.object({ interactionId: Id, planId: Id, iteration: z.number().int().min(1), plan: PlanSpec }),
  /** The planner's plan failed normalisation; `error.message` names the step and field. */
  PlanRejected: z.object({ interactionId: Id, iteration: z.number().int().min(1), error: ErrorInfo }),
  /** Every step of the plan reached a final state; observations go back to the planner. */
  PlanFinished: z.object({ interactionId: Id, planId: Id, outcome: z.enum(['completed', 'failed', 'cancelled']) }),
  InteractionCompleted: z.object({ interactionId: Id, answer: z.string() }),
  InputRequested: z.object({ interactionId: Id, question: z.string() }),
  InteractionFailed: z.object({ interactionId: Id, error: ErrorInfo }),
  InteractionCancelled: z.object({ interactionId: Id, reason: z.string() }),
  Interrupted: z.object({ interactionId: Id, kind: InterruptKind, stepId: z.string().optional(), reason: z.string().optional() }),
  Resumed: z.object({ interactionId: Id, by: z.string().optional() }),
} as const;
