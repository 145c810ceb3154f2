/**
 * Reading threads: `GET /threads` (the `threads` projection, keyset-paged: most recent activity
 * first), `GET /threads/:id` (now: the live projections; `?at=REV`: folded as of that revision,
 * exactly what `orchestral show --at REV --json` prints), `GET /threads/:id/events` (the facts).
 */
import { createRoute } from '@hono/zod-openapi';
import { getKeyed, keyedEntries, type KeyedMap } from '../../../projections/shared/keyed-map.ts';
import type { ThreadListing } from '../../../projections/threads.ts';
import { gatherShow } from '../../cli/commands/show.ts';
import { holderJson } from '../../cli/owners.ts';
import { pendingApprovalDetails } from '../../runtime/approval-details.ts';
import { ThreadNotFoundError } from '../../runtime/command-errors.ts';
import { threadSummary as foldSummary } from '../../runtime/thread-summary.ts';
import { historyEvents, lastRevision } from '../../history/read.ts';
import { foldHistory } from '../../history/replay.ts';
import type { ServeApp, ServeContext } from '../context.ts';
import { AnyObject, EventsPage, EventsQuery, ListQuery, ShowQuery, ThreadIdParam, ThreadList } from '../schemas.ts';
import { jsonOf } from '../sse-messages.ts';

/** `value` as plain JSON data (bigints as numbers). */
const plainJson = (value: unknown): unknown => JSON.parse(jsonOf(value));
import { json, threadProblems } from './route-kit.ts';

/** Cursor of a thread in the list order: its last activity and id. */
function cursorOf(t: ThreadListing): string {
  return Buffer.from(JSON.stringify([t.lastActivityAtMs, t.threadId])).toString('base64url');
}

/** Index of the first thread after the cursor's thread in the list order (binary search). */
function startAfter(list: readonly ThreadListing[], cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  let at: number;
  let id: string;
  try {
    [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, string];
    if (typeof at !== 'number' || typeof id !== 'string') throw new Error('shape');
  } catch {
    return list.length; // an unreadable cursor names no place in the list: an empty page
  }
  const after = (t: ThreadListing): boolean => t.lastActivityAtMs < at || (t.lastActivityAtMs === at && t.threadId > id);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function plainRecord<V>(map: KeyedMap<V> | undefined): Record<string, V> {
  return map ? Object.fromEntries(keyedEntries(map).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) : {};
}

/** The thread now: thread, steps, dags, costs from the live projections (caught up to the thread's last fact), interactions and approvals from its fold. */
async function showNow(ctx: ServeContext, threadId: string): Promise<Record<string, unknown>> {
  if ((await lastRevision(ctx.store, threadId)) === undefined) throw new ThreadNotFoundError(threadId);
  const { state, facts } = await foldHistory(ctx.store, threadId, { keepFacts: true });
  const last = facts[facts.length - 1];
  if (!last) throw new ThreadNotFoundError(threadId);
  await ctx.projections.caughtUp(last.position);
  const summary = foldSummary(state);
  const p = ctx.projections;
  return {
    threadId,
    revision: Number(last.revision),
    at: null,
    thread: getKeyed(p.threads.get().threads, threadId) ?? null,
    interactions: Object.values(summary.interactions).map((v) => ({
      interactionId: v.interactionId,
      status: v.status,
      input: v.input ?? null,
      answer: v.answer ?? null,
      question: v.question ?? null,
      error: v.error?.message ?? null,
    })),
    steps: plainRecord(getKeyed(p.steps.get().threads, threadId)?.interactions),
    dags: plainRecord(getKeyed(p.dag.get().threads, threadId)?.interactions),
    costs: getKeyed(p.costs.get().threads, threadId) ?? null,
    pendingApprovals: pendingApprovalDetails(state).map((a) => ({ ...a, stepId: a.stepId ?? null })),
  };
}

/** Registers the read routes. */
export function readRoutes(app: ServeApp, ctx: ServeContext): void {
  app.openapi(
    createRoute({ method: 'get', path: '/threads', summary: 'list threads (most recent activity first)', request: { query: ListQuery }, responses: { 200: json(ThreadList, 'a page of thread summaries'), ...threadProblems } }),
    (c) => {
      const q = c.req.valid('query');
      const all = ctx.projections.sortedThreads();
      const list = q.status ? all.filter((t) => t.status === q.status) : all;
      const start = startAfter(list, q.cursor);
      const costs = ctx.projections.costs.get();
      const page = list.slice(start, start + q.limit).map((t) => ({ ...t, costUsd: getKeyed(costs.threads, t.threadId)?.total.usd ?? 0 }));
      const more = start + q.limit < list.length;
      return c.json({ threads: page as unknown as Record<string, unknown>[], nextCursor: more && page.length > 0 ? cursorOf(page[page.length - 1]! as ThreadListing) : null, position: Number(ctx.projections.threads.position()) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/threads/{id}', summary: 'a thread: steps, DAG, costs, interactions, pending approvals (as of ?at=REV)', request: { params: ThreadIdParam, query: ShowQuery }, responses: { 200: json(AnyObject, 'the thread'), ...threadProblems } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { at } = c.req.valid('query');
      const data = at === undefined ? await showNow(ctx, id) : ((await gatherShow(ctx.store, id, String(at))) as unknown as Record<string, unknown>);
      const owner = await ctx.leases.holderOf(id);
      return c.json(plainJson({ ...data, owner: owner ? holderJson(owner) : null }) as Record<string, never>, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/threads/{id}/events', summary: "a thread's facts from a revision", request: { params: ThreadIdParam, query: EventsQuery }, responses: { 200: json(EventsPage, 'facts in revision order'), ...threadProblems } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { from, limit } = c.req.valid('query');
      const last = await lastRevision(ctx.store, id);
      if (last === undefined) throw new ThreadNotFoundError(id);
      const events: unknown[] = [];
      const range = { fromRevision: BigInt(from), toRevision: BigInt(from + limit - 1) };
      if (BigInt(from) <= last) for await (const e of historyEvents(ctx.store, id, range)) events.push(e);
      const next = from + events.length <= Number(last) ? from + events.length : null;
      return c.json(plainJson({ events, next }) as { events: Record<string, never>[]; next: number | null }, 200);
    },
  );
}
