/**
 * Facts of human approvals. scope `step`: before a step runs (per action or per step);
 * `plan`: before a whole plan starts; `budget`: a step would exceed the budget.
 */
import { z } from 'zod';
import { Id } from './common.ts';

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
