/**
 * The API's request and response schemas (zod, through `@hono/zod-openapi`): they validate requests
 * and generate `GET /openapi.json`. Thread ids follow the facts' `Id` rule; revisions are integers.
 */
import { z } from '@hono/zod-openapi';

/** A thread id (the `Id` of facts). */
export const ThreadIdParam = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'a thread id: 1–128 of A-Z a-z 0-9 _ . : -').openapi({ param: { name: 'id', in: 'path' }, example: 'nightly' }),
});

const revision = z.coerce.number().int().min(0);

/** Every command may name the revision it decided on: another one answers 409 WRONG_EXPECTED_VERSION. */
const expected = { expectedRevision: z.number().int().min(0).optional().openapi({ description: 'refuse (409) unless the thread is at this revision' }) };
const by = { by: z.string().min(1).max(200).optional().openapi({ description: 'who decides (default: api)' }) };

export const ListQuery = z.object({
  status: z.enum(['idle', 'active', 'closed']).optional(),
  cursor: z.string().max(400).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const ShowQuery = z.object({ at: revision.optional().openapi({ description: 'as of this revision' }) });
export const EventsQuery = z.object({ from: revision.default(0), limit: z.coerce.number().int().min(1).max(1000).default(200) });

export const Policy = z.union([
  z.object({ kind: z.enum(['enqueue', 'reject', 'interrupt', 'steer']) }),
  z.object({ kind: z.literal('parallel'), max: z.number().int().min(1).max(1000) }),
]);

export const OpenBody = z
  .object({
    plan: z.union([z.record(z.string(), z.unknown()), z.string()]).optional().openapi({ description: 'a plan (object, or JSON/YAML text); see src/plan/plan-schema.ts' }),
    intent: z.string().min(1).max(100_000).optional().openapi({ description: 'what to do: planned by the OpenAI planner' }),
    model: z.string().min(1).max(200).optional(),
    title: z.string().max(500).optional(),
    threadId: ThreadIdParam.shape.id.optional(),
    policy: Policy.optional(),
    ...by,
  })
  .strict()
  .openapi('OpenThread');

export const SendBody = z.object({ text: z.string().min(1).max(1_000_000), ...by, ...expected }).strict().openapi('Send');
export const DecideBody = z
  .object({
    step: z.string().min(1).max(300).openapi({ description: 'step id or approval id' }),
    reason: z.string().max(10_000).optional(),
    extendBudgetUsd: z.number().positive().optional().openapi({ description: 'approve only: raise the budget in force (USD)' }),
    ...by,
    ...expected,
  })
  .strict()
  .openapi('Decide');
export const CancelBody = z.object({ interactionId: z.string().max(128).optional(), reason: z.string().max(10_000).optional(), ...expected }).strict().openapi('Cancel');
export const InterruptBody = z.object({ interactionId: z.string().max(128).optional(), reason: z.string().max(10_000).optional(), ...expected }).strict().openapi('Interrupt');
export const ResumeBody = z.object({ interactionId: z.string().max(128).optional(), ...by, ...expected }).strict().openapi('Resume');
export const InspectBody = z
  .object({
    at: z.number().int().min(0).optional(),
    /** A WebSocket inspector on this machine (loopback), e.g. the bridge of `orchestral inspect`. */
    inspector: z.string().regex(/^ws:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?(\/.*)?$/, 'a ws:// URL on loopback').default('ws://127.0.0.1:8080'),
  })
  .strict()
  .openapi('Inspect');
export const ForkBody = z.object({ at: z.number().int().min(0), id: ThreadIdParam.shape.id.optional() }).strict().openapi('Fork');

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'THREAD_NOT_FOUND' }),
    instance: z.string().optional(),
    field: z.string().optional(),
    issues: z.array(z.string()).optional(),
  })
  .openapi('Problem');

/** Loose object schema for read models documented in docs/architecture.md (projections). */
export const AnyObject = z.record(z.string(), z.unknown());

export const ThreadList = z.object({ threads: z.array(AnyObject), nextCursor: z.string().nullable(), position: z.number() }).openapi('ThreadList');
export const Opened = z.object({ threadId: z.string(), inputId: z.string(), decision: z.string(), interactionId: z.string().optional(), reason: z.string() }).openapi('Opened');
export const CommandResult = AnyObject.openapi('CommandResult');
export const EventsPage = z.object({ events: z.array(AnyObject), next: z.number().nullable() }).openapi('EventsPage');
