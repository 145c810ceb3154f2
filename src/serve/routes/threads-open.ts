/**
 * `POST /threads`: opens a thread for a plan — a JSON body `{ plan, title?, threadId?, policy? }`
 * (the plan an object or JSON/YAML text), or the plan itself as YAML (`content-type:
 * application/yaml`) — or for `{ intent }` (the OpenAI planner, configured by the server's
 * environment). The plan is checked before anything is written (422 `PLAN_INVALID` naming the
 * field). Answers 201 with the thread id and the first input's policy decision.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ServeApp, ServeContext } from '../context.ts';
import { ApiError } from '../problem.ts';
import { OpenBody, Opened } from '../schemas.ts';
import { json, problem, threadProblems } from './route-kit.ts';

/** Registers `POST /threads`. */
export function openRoutes(app: ServeApp, ctx: ServeContext): void {
  const route = createRoute({
    method: 'post',
    path: '/threads',
    summary: 'open a thread for a plan (JSON/YAML) or an intent',
    request: {
      body: {
        required: true,
        content: {
          'application/json': { schema: OpenBody },
          'application/yaml': { schema: z.string().openapi({ description: 'the plan as YAML' }) },
        },
      },
    },
    responses: { 201: json(Opened, 'the thread was opened'), ...threadProblems, 409: problem('the thread id exists (THREAD_EXISTS)'), 422: problem('invalid plan (PLAN_INVALID, with field) or request') },
  });
  app.openapi(route, async (c) => {
    const type = c.req.header('content-type') ?? '';
    let body: ReturnType<typeof OpenBody.parse>;
    let yaml = false;
    if (/^(application|text)\/(x-)?yaml\b/i.test(type)) {
      body = { plan: await c.req.text() };
      yaml = true;
    } else if (/^application\/json\b/i.test(type)) {
      body = c.req.valid('json') as typeof body;
    } else {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `content-type '${type}': send application/json or application/yaml`);
    }
    if (body.plan !== undefined && body.intent !== undefined) throw new ApiError(422, 'INVALID_REQUEST', 'give a plan or an intent, not both', { field: 'intent' });
    const opened = await ctx.runtime.open({
      yaml,
      by: body.by ?? 'api',
      ...(body.plan !== undefined ? { plan: body.plan } : {}),
      ...(body.intent !== undefined ? { intent: body.intent } : {}),
      ...(body.model !== undefined ? { model: body.model } : {}),
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.threadId !== undefined ? { threadId: body.threadId } : {}),
      ...(body.policy !== undefined ? { policy: body.policy } : {}),
    });
    const { inputId, decision, interactionId, reason } = opened.sent;
    return c.json({ threadId: opened.threadId, inputId, decision, reason, ...(interactionId !== undefined ? { interactionId } : {}) }, 201);
  });
}
