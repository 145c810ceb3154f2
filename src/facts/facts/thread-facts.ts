/** Facts of a Thread: a long-lived context holding interactions and a concurrency policy. */
import { z } from 'zod';
import { BudgetSpec } from '../../plan/plan-schema.ts';
import { Id } from './common.ts';

/**
 * Concurrency policy of a thread: what happens to new input while an interaction runs.
 * `custom` names a policy function registered with the runtime.
 */
export const PolicySpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('interrupt') }),
  z.object({ kind: z.literal('reject') }),
  z.object({ kind: z.literal('enqueue') }),
  z.object({ kind: z.literal('steer') }),
  z.object({ kind: z.literal('parallel'), max: z.number().int().min(1) }),
  z.object({ kind: z.literal('custom'), name: z.string().min(1) }),
]);
export type PolicySpec = z.infer<typeof PolicySpec>;

/** A policy's decision for one input. */
export const PolicyDecision = z.enum(['start', 'reject', 'enqueue', 'interrupt', 'steer']);
export type PolicyDecision = z.infer<typeof PolicyDecision>;

export const threadFacts = {
  /** First fact of a thread stream. */
  ThreadOpened: z.object({
    threadId: Id,
    title: z.string().optional(),
    policy: PolicySpec,
    budget: BudgetSpec.optional(),
    /** Planning iterations allowed per interaction. */
    maxIterations: z.number().int().min(1).default(8),
    /**
     * Which planner the thread uses, so a later process (resume) can rebuild it:
     * e.g. `{ kind: 'static', config: { file } }` or `{ kind: 'openai', config: { model, baseURL } }` (never secrets).
     */
    planner: z.object({ kind: z.string().min(1), config: z.unknown().optional() }).optional(),
  }),
  /** Marks the start of a fork: the facts before it were copied from `from.threadId` up to `from.revision` inclusive. */
  ThreadForked: z.object({
    threadId: Id,
    from: z.object({ threadId: Id, revision: z.number().int().min(-1) }),
  }),
  ThreadClosed: z.object({ reason: z.string().optional() }),
  /** User (or system) input arriving at the thread. */
  InputReceived: z.object({ inputId: Id, text: z.string(), from: z.string().optional() }),
  /** The concurrency policy's decision for an input. `interactionId`: the interaction it starts/steers/interrupts. */
  PolicyApplied: z.object({
    inputId: Id,
    decision: PolicyDecision,
    policy: z.string(),
    reason: z.string(),
    /** The new interaction (start, interrupt) — or the steered one (steer). */
    interactionId: Id.optional(),
    /** The interaction being interrupted (interrupt). */
    interruptedId: Id.optional(),
  }),
} as const;
