/**
 * `POST /threads/{id}/inspect`: replays the thread up to `at` (default: its last revision) into a
 * WebSocket Stately inspector on this machine (see `inspect-thread.ts` for why the server does not
 * start the browser bridge itself). 502 `INSPECTOR_CONNECT` when nothing listens there.
 */
import { createRoute } from '@hono/zod-openapi';
import { BadRevisionError } from '../../cli/cli-errors.ts';
import { ThreadNotFoundError } from '../../runtime/command-errors.ts';
import { lastRevision } from '../../history/read.ts';
import type { ServeApp, ServeContext } from '../context.ts';
import { inspectThread } from '../inspect-thread.ts';
import { InspectBody, AnyObject, ThreadIdParam } from '../schemas.ts';
import { json, jsonBody, problem, threadProblems } from './route-kit.ts';

/** Registers the inspect route. */
export function inspectRoutes(app: ServeApp, ctx: ServeContext): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/threads/{id}/inspect',
      summary: 'replay the thread up to a revision into a WebSocket Stately inspector on loopback',
      request: { params: ThreadIdParam, ...jsonBody(InspectBody) },
      responses: { 200: json(AnyObject, 'what was sent'), ...threadProblems, 502: problem('no inspector answers at that URL (INSPECTOR_CONNECT)') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      const last = await lastRevision(ctx.store, id);
      if (last === undefined) throw new ThreadNotFoundError(id);
      const toRevision = b.at !== undefined ? BigInt(b.at) : last;
      if (toRevision > last) throw new BadRevisionError(id, toRevision, last, 'at');
      const sent = await inspectThread(ctx.store, id, { inspector: b.inspector, toRevision });
      return c.json({ threadId: id, revision: Number(toRevision), inspector: b.inspector, ...sent }, 200);
    },
  );
}
