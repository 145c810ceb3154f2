/** Building blocks shared by fact payloads. */
import { z } from 'zod';
import { ID_PATTERN } from '../../core/id-pattern.ts';

/** Ids of threads, interactions, inputs, approvals: 1–128 of [A-Za-z0-9_.:-]. */
export const Id = z.string().regex(ID_PATTERN, 'id: 1–128 of [A-Za-z0-9_.:-]');

/** An error as recorded in a fact: message, optional stable code, optional retryability. */
export const ErrorInfo = z.object({
  message: z.string(),
  code: z.string().optional(),
  retryable: z.boolean().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/**
 * LLM token usage and its cost. Tokens are counts; cost in USD; `calls`: HTTP requests sent for it
 * (repairs and retries included; absent in facts recorded before it existed: count 1).
 */
export const Usage = z.object({
  model: z.string(),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  costUsd: z.number().min(0),
  calls: z.number().int().min(0).optional(),
});
export type Usage = z.infer<typeof Usage>;

/**
 * LLM usage of one step attempt (what its action reported through `ctx.addUsage`): one entry per
 * model, in the order first reported, `calls` always set. Its `costUsd` is part of the step fact's
 * own `costUsd` (a breakdown, not an addition). Optional on step facts: absent when the action
 * reported none, and in facts recorded before it existed.
 */
export const StepUsage = z.array(Usage.extend({ calls: z.number().int().min(0) }));
export type StepUsage = z.infer<typeof StepUsage>;

/** Any JSON value (outputs, inputs). */
export const Json = z.unknown();
