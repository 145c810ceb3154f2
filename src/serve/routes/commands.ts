/**
 * Commands on a thread, with the semantics and typed errors of the CLI's `--no-wait` commands: each
 * appends its facts (and what follows from them without an effect) through an append-only runtime;
 * the thread's owner (this server's worker, or another process holding the lease) runs the effects.
 * `expectedRevision` (optional, every command but fork) refuses with 409 `WRONG_EXPECTED_VERSION`
 * when the thread has moved on. A policy rejection of `send` is 409 `POLICY_REJECTED` (its facts are
 * recorded, as the CLI records them).
 */
import { createRoute } from '@hono/zod-openapi';
import { randomIds } from '../../core/ids.ts';
import { forkThread } from '../../runtime/fork.ts';
import { ThreadExistsError, ThreadNotFoundError } from '../../runtime/command-errors.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { BadRevisionError } from '../../cli/cli-errors.ts';
import { WrongExpectedVersionError } from '../../store/errors.ts';
import { lastRevision } from '../../history/read.ts';
import { threadStreamId } from '../../history/stream.ts';
import type { ServeApp, ServeContext } from '../context.ts';
import { ApiError } from '../problem.ts';
import { CancelBody, CommandResult, DecideBody, ForkBody, InterruptBody, ResumeBody, SendBody, ThreadIdParam } from '../schemas.ts';
import { json, jsonBody, problem, threadProblems } from './route-kit.ts';

const responses = { 202: json(CommandResult, 'recorded'), ...threadProblems, 409: problem('refused by the thread: policy rejection, wrong expected revision, closed thread, nothing to do') };

/** Runs `fn` on the thread after checking `expectedRevision`. */
async function onThread<T>(ctx: ServeContext, threadId: string, expectedRevision: number | undefined, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  return ctx.runtime.withThread(threadId, async (runtime) => {
    const revision = runtime.state(threadId).revision;
    if (expectedRevision !== undefined && BigInt(expectedRevision) !== revision) throw new WrongExpectedVersionError(threadStreamId(threadId), BigInt(expectedRevision), revision);
    return fn(runtime);
  });
}

/** The one live interaction a command without `interactionId` means. @throws ApiError 409 when there is none or several. */
function onlyLive(runtime: Runtime, threadId: string): string {
  const live = runtime.state(threadId).live;
  if (live.length !== 1) throw new ApiError(409, 'NOTHING_TO_DO', `thread '${threadId}' has ${live.length} live interactions; name one with interactionId`);
  return live[0]!;
}

/** Registers the command routes. */
export function commandRoutes(app: ServeApp, ctx: ServeContext): void {
  const post = <P extends string>(path: P, summary: string) => ({ method: 'post' as const, path, summary, responses });

  app.openapi(createRoute({ ...post('/threads/{id}/send', 'send input (through the thread’s concurrency policy)'), request: { params: ThreadIdParam, ...jsonBody(SendBody) } }), async (c) => {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const sent = await onThread(ctx, id, b.expectedRevision, (r) => r.send(id, b.text, { from: b.by ?? 'api' }));
    if (sent.decision === 'reject') throw new ApiError(409, 'POLICY_REJECTED', `input rejected by the thread's policy: ${sent.reason}`);
    return c.json({ ...sent }, 202);
  });

  for (const verb of ['approve', 'reject'] as const) {
    app.openapi(createRoute({ ...post(`/threads/{id}/${verb}`, `${verb} a pending approval (step id or approval id)`), request: { params: ThreadIdParam, ...jsonBody(DecideBody) } }), async (c) => {
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      if (verb === 'reject' && b.extendBudgetUsd !== undefined) throw new ApiError(422, 'INVALID_REQUEST', 'extendBudgetUsd: only for approve', { field: 'extendBudgetUsd' });
      const options = { by: b.by ?? 'api', ...(b.reason !== undefined ? { reason: b.reason } : {}), ...(b.extendBudgetUsd !== undefined ? { extendBudgetUsd: b.extendBudgetUsd } : {}) };
      const decided = await onThread(ctx, id, b.expectedRevision, (r) => r[verb](id, b.step, options));
      return c.json({ ...decided } as Record<string, unknown>, 202);
    });
  }

  app.openapi(createRoute({ ...post('/threads/{id}/cancel', 'cancel the live interactions (or one)'), request: { params: ThreadIdParam, ...jsonBody(CancelBody) } }), async (c) => {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const result = await onThread(ctx, id, b.expectedRevision, (r) => r.cancel(id, { reason: b.reason ?? 'cancelled over the API', ...(b.interactionId !== undefined ? { interactionId: b.interactionId } : {}) }));
    return c.json(result, 202);
  });

  app.openapi(createRoute({ ...post('/threads/{id}/interrupt', 'pause a live interaction'), request: { params: ThreadIdParam, ...jsonBody(InterruptBody) } }), async (c) => {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const interactionId = await onThread(ctx, id, b.expectedRevision, async (r) => {
      const iid = b.interactionId ?? onlyLive(r, id);
      await r.interrupt(id, iid, { kind: 'user_request', ...(b.reason !== undefined ? { reason: b.reason } : {}) });
      return iid;
    });
    return c.json({ interrupted: [interactionId] }, 202);
  });

  app.openapi(createRoute({ ...post('/threads/{id}/resume', 'resume interrupted interactions (or one)'), request: { params: ThreadIdParam, ...jsonBody(ResumeBody) } }), async (c) => {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const result = await onThread(ctx, id, b.expectedRevision, (r) => r.resume(id, { by: b.by ?? 'api', ...(b.interactionId !== undefined ? { interactionId: b.interactionId } : {}) }));
    return c.json(result, 202);
  });

  app.openapi(
    createRoute({ method: 'post', path: '/threads/{id}/fork', summary: 'copy the thread up to a revision into a new thread', request: { params: ThreadIdParam, ...jsonBody(ForkBody) }, responses: { 201: json(CommandResult, 'the new thread'), ...threadProblems, 409: problem('the new id exists (THREAD_EXISTS)') } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      const last = await lastRevision(ctx.store, id);
      if (last === undefined) throw new ThreadNotFoundError(id);
      if (BigInt(b.at) > last) throw new BadRevisionError(id, BigInt(b.at), last, 'at');
      const newThreadId = b.id ?? randomIds.uuid();
      if ((await lastRevision(ctx.store, newThreadId)) !== undefined) throw new ThreadExistsError(newThreadId);
      const forked = await forkThread(ctx.store, { threadId: id, atRevision: BigInt(b.at), newThreadId, ids: randomIds });
      return c.json({ threadId: forked.threadId, revision: Number(forked.revision), forkedFrom: { threadId: id, revision: b.at } }, 201);
    },
  );
}
