/**
 * Server-Sent Events: `GET /threads/:id/stream` (every fact of the thread, named by the interaction
 * update it maps to — thought, content, tool_start, tool_end, done, error — or `state`, plus the
 * live text deltas of streamed LLM answers as `delta` events without an `id:`) and
 * `GET /stream` (every fact of every thread, `fact`). Each message's `id:` is the fact's global
 * position; a client reconnecting with `Last-Event-ID: P` receives exactly the facts after P (none
 * missed, none repeated). Without it, a thread stream starts at the thread's first fact and `/stream`
 * at the present. A client that falls more than `sseMaxQueued` messages behind is disconnected (it
 * reconnects with its Last-Event-ID). A comment line every 15 s keeps proxies from closing the stream.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { ThreadNotFoundError } from '../../runtime/command-errors.ts';
import type { RecordedEvent } from '../../store/event-store.ts';
import { lastRevision } from '../../history/read.ts';
import { threadStreamId } from '../../history/stream.ts';
import type { ServeApp, ServeContext } from '../context.ts';
import { followFacts } from '../fact-hub.ts';
import { ApiError } from '../problem.ts';
import { ThreadIdParam } from '../schemas.ts';
import { deltaMessage, logMessage, threadMessages, type SseMessage } from '../sse-messages.ts';
import { threadProblems } from './route-kit.ts';

const KEEPALIVE_MS = 15_000;
const sse = { 200: { description: 'text/event-stream; `id:` = fact position', content: { 'text/event-stream': { schema: z.string() } } } };

/** `Last-Event-ID` as a position. @throws ApiError 400 when it is not one. */
function lastEventId(c: Context): bigint | undefined {
  const raw = c.req.header('last-event-id');
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,18}$/.test(raw.trim())) throw new ApiError(400, 'BAD_LAST_EVENT_ID', `Last-Event-ID: expected a position (an integer), got '${raw.slice(0, 40)}'`);
  return BigInt(raw.trim());
}

/** Streams the messages of a follower until the client goes away. */
function pipe(c: Context, ctx: ServeContext, start: (push: (m: SseMessage) => void, fail: (err: unknown) => void) => { stop(): void }) {
  return streamSSE(c, async (stream) => {
    const queue: SseMessage[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const end = (): void => {
      ended = true;
      wake?.();
    };
    const follower = start(
      (m) => {
        if (queue.length >= ctx.sseMaxQueued) return end();
        queue.push(m);
        wake?.();
      },
      end,
    );
    stream.onAbort(end);
    const keepalive = setInterval(() => void stream.write(': keepalive\n\n'), KEEPALIVE_MS);
    try {
      while (!ended) {
        const m = queue.shift();
        if (m) await stream.writeSSE(m);
        else await new Promise<void>((resolve) => (wake = resolve)).finally(() => (wake = undefined));
      }
    } finally {
      clearInterval(keepalive);
      follower.stop();
    }
  });
}

/** Registers the two streams. */
export function streamRoutes(app: ServeApp, ctx: ServeContext): void {
  app.openapi(createRoute({ method: 'get', path: '/threads/{id}/stream', summary: "a thread's facts as SSE (resumable with Last-Event-ID)", request: { params: ThreadIdParam }, responses: { ...sse, ...threadProblems } }), async (c) => {
    const { id } = c.req.valid('param');
    const after = lastEventId(c) ?? -1n;
    if ((await lastRevision(ctx.store, id)) === undefined) throw new ThreadNotFoundError(id);
    const messages = threadMessages();
    return pipe(c, ctx, (push, fail) => {
      const follower = followFacts(ctx.hub, ctx.store, { afterPosition: after, streamId: threadStreamId(id) }, { observe: (e) => messages.observe(e), deliver: (e: RecordedEvent) => push(messages.message(e)), fail });
      const unsubscribe = ctx.runtime.onDelta(id, (d) => push(deltaMessage(d)));
      return {
        stop() {
          unsubscribe();
          follower.stop();
        },
      };
    });
  });

  app.openapi(createRoute({ method: 'get', path: '/stream', summary: 'every fact of every thread as SSE (resumable with Last-Event-ID)', responses: { ...sse, 400: threadProblems[400], 401: threadProblems[401] } }), async (c) => {
    const last = lastEventId(c);
    const after = last ?? ctx.hub.position();
    return pipe(c, ctx, (push, fail) => followFacts(ctx.hub, ctx.store, { afterPosition: after, liveOnly: last === undefined }, { deliver: (e) => push(logMessage(e)), fail }));
  });
}
