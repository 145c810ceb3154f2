/**
 * Facts of human approvals. scope `step`: before a step runs (per action or per step);
 * `plan`: before a whole plan starts; `budget`: a step would exceed the budget.
 */
import { z } from 'zod';
import { Id, Json } from './common.ts';

/**
 * What a step or budget approval is for, recorded when it is asked: the step's action and its input
 * with the `{{steps.<id>.output…}}` references resolved against the completed upstream outputs (the
 * exact input the step starts with once granted). `unresolved`: why the input could not be resolved
 * (the step then fails when granted); `input` is the raw step input in that case. Absent in facts
 * recorded before it existed and on plan-scoped approvals (the plan itself is in PlanAccepted).
 */
export const ApprovalSubject = z.object({
  action: z.string(),
  input: Json,
  unresolved: z.string().optional(),
});
export type ApprovalSubject = z.infer<typeof ApprovalSubject>;

const Target = { interactionId: Id, planId: Id, stepId: z.string().optional() };

export const approvalFacts = {
  ApprovalRequested: z.object({
    approvalId: Id,
    ...Target,
    scope: z.enum(['step', 'plan', 'budget']),
    reason: z.string(),
    /** When it was requested, ms since epoch (runtime clock). */
    requestedAtMs: z.number().int().min(0),
    /** Rejected automatically at `requestedAtMs + timeoutMs`. */
    timeoutMs: z.number().int().positive().optional(),
    /** Step and budget scopes: the action and resolved input being approved (see ApprovalSubject). */
    subject: ApprovalSubject.optional(),
  }),
  ApprovalGranted: z.object({ approvalId: Id, ...Target, by: z.string(), reason: z.string().optional() }),
  ApprovalRejected: z.object({
    approvalId: Id,
    ...Target,
    by: z.string(),
    reason: z.string().optional(),
    timedOut: z.boolean().default(false),
  }),
} as const;
