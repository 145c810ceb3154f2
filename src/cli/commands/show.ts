/**
 * `orchestral show <thread> [--at REV] [--json]`: the thread as of its last revision (or `--at`):
 * the `threads`, `steps`, `dag` and `costs` projections folded over its facts, plus each
 * interaction's status, answer and pending question (need_input), and the pending approvals from the
 * machines' fold, each with what it approves (action, resolved input or the plan's steps, who planned
 * it: approval-details.ts). The facts are read and folded once, by the history module
 * (`foldHistory`), and the projections run over the same facts.
 */
import type { Command } from 'commander';
import { threadsProjection } from '../../read.ts';
import {
  costsProjection,
  dagProjection,
  foldHistory,
  getKeyed,
  keyedEntries,
  pendingApprovalDetails,
  projectAsOf,
  stepsProjection,
  threadSummary,
  type KeyedMap,
} from '../../history.ts';
import type { EventStore } from '../../index.ts';
import { threadRevision } from '../args.ts';
import type { ContextHolder } from '../context.ts';
import { toJsonLine } from '../json.ts';
import { renderShow, type ShowData } from '../render/show-text.ts';
import type { RouteEvaluatedData } from '../render/route-text.ts';
import { describeOwnerOf } from '../owner-line.ts';
import { holderJson, readOwners } from '../owners.ts';
import { withStore } from '../store.ts';

/** A keyed map as a plain record (sorted by key). */
function plainRecord<V>(map: KeyedMap<V> | undefined): Record<string, V> {
  return map ? Object.fromEntries(keyedEntries(map).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) : {};
}

/** The first `RouteEvaluated` of an interaction (why its plan was chosen), or null. */
function routeOf(facts: ReadonlyArray<{ type: string; data: unknown }>, interactionId: string): RouteEvaluatedData | null {
  const f = facts.find((x) => x.type === 'RouteEvaluated' && (x.data as RouteEvaluatedData).interactionId === interactionId);
  return f ? (f.data as RouteEvaluatedData) : null;
}

/**
 * Gathers what `show` prints.
 * @throws ThreadNotFoundError; UsageError / BadRevisionError for `--at`.
 */
export async function gatherShow(store: EventStore, threadId: string, at: string | undefined): Promise<ShowData> {
  const toRevision = await threadRevision(store, threadId, at, '--at');
  const { state, facts } = await foldHistory(store, threadId, { ...(toRevision !== undefined ? { toRevision } : {}), keepFacts: true });
  const last = state.revision;
  const opts = { toRevision: last };
  const summary = threadSummary(state);
  return {
    threadId,
    revision: Number(last),
    at: toRevision !== undefined ? Number(toRevision) : null,
    thread: getKeyed(projectAsOf(threadsProjection, facts, opts).threads, threadId) ?? null,
    interactions: Object.values(summary.interactions).map((v) => ({
      interactionId: v.interactionId,
      status: v.status,
      input: v.input ?? null,
      answer: v.answer ?? null,
      question: v.question ?? null,
      error: v.error?.message ?? null,
      route: routeOf(facts, v.interactionId),
    })),
    steps: plainRecord(getKeyed(projectAsOf(stepsProjection, facts, opts).threads, threadId)?.interactions),
    dags: plainRecord(getKeyed(projectAsOf(dagProjection, facts, opts).threads, threadId)?.interactions),
    costs: getKeyed(projectAsOf(costsProjection, facts, opts).threads, threadId) ?? null,
    pendingApprovals: pendingApprovalDetails(state).map((p) => ({ ...p, stepId: p.stepId ?? null })),
  };
}

/** The `show` command. */
export async function showCommand(holder: ContextHolder, cmd: Command, threadId: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<{ at?: string; json: boolean }>();
  const [data, owner] = await withStore(storeUrl, async (store) => [await gatherShow(store, threadId, o.at), (await readOwners(storeUrl)).get(threadId)] as const);
  if (o.json) io.out(toJsonLine({ ...data, owner: owner ? holderJson(owner) : null }));
  else {
    for (const line of renderShow(io.color, data, storeUrl)) io.out(line);
    io.out(describeOwnerOf(owner));
  }
  return 0;
}
