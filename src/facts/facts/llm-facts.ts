/**
 * LLM provider facts: which model answered a planner call when the first candidate did not. A
 * planner that names several candidate models records each switch from an unavailable one to the
 * next just before its answer (or failure), so `events` and replay say which endpoint answered and
 * why the earlier ones were passed over. No actor's state depends on them.
 */
import { z } from 'zod';
import { Id } from './common.ts';

/** A candidate: model name and endpoint (without user info; absent: the default endpoint). */
export const ModelCandidateRecord = z.object({ model: z.string().min(1), baseURL: z.string().optional() });

export const llmFacts = {
  /**
   * Planning iteration `iteration` gave up candidate `from` for `to`: `from` was unavailable
   * (`reason.kind`: `connection`, `timeout`, or `http` with a 5xx `status`, after its retries).
   */
  ModelSwitched: z.object({
    interactionId: Id,
    iteration: z.number().int().min(1),
    from: ModelCandidateRecord,
    to: ModelCandidateRecord,
    reason: z.object({
      kind: z.enum(['timeout', 'aborted', 'http', 'connection', 'bad_response']),
      message: z.string(),
      status: z.number().int().optional(),
    }),
  }),
} as const;
