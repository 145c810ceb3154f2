/**
 * Routing facts: why a plan was chosen. A routing planner consults its routes before any planner
 * call; what it found is recorded just before the planner's answer, so `show`, `events` and replay
 * tell a routed plan (no LLM call) from a planned one.
 */
import { z } from 'zod';
import { Id } from './common.ts';

/** The route that matched: its place in the routes file, what it matched on, and what it runs. */
export const MatchedRoute = z.object({
  /** 0-based position in the routes file. */
  index: z.number().int().min(0),
  name: z.string().optional(),
  /** `regex` on the intent text, or `event` for an event of `eventType`. */
  on: z.enum(['regex', 'event']),
  /** The regular expression's source, or the event type. */
  pattern: z.string(),
  /** The plan file it runs (absolute path), or the action. */
  plan: z.string().optional(),
  action: z.string().optional(),
  /** Captured groups (regex: `"1"`, named groups by name) or the event's data, as given to the inputs. */
  captures: z.unknown().optional(),
});
export type MatchedRoute = z.infer<typeof MatchedRoute>;

export const routeFacts = {
  /**
   * The routes were consulted for iteration `iteration`: `route` is the first that matched, or null
   * (then `fallback` says whether a planner was asked: `planner`, or `none` and the call failed).
   */
  RouteEvaluated: z.object({
    interactionId: Id,
    iteration: z.number().int().min(1),
    routes: z.string(),
    route: MatchedRoute.nullable(),
    fallback: z.enum(['planner', 'none']).optional(),
  }),
} as const;
