/**
 * The `threads` projection: one summary row per thread — title (or first input), status, live
 * interactions, last activity, last revision, fork parent — for thread lists.
 *
 * Every fact of a thread stream updates `lastRevision`, `lastPosition`, `lastActivityAtMs`
 * (`metadata.recordedAt`, ms since epoch) and `factCount`. Besides:
 * - ThreadOpened: title, policy; ThreadForked: `forkedFrom`, and the fork is open again (a fork of a
 *   closed thread copies its ThreadClosed); ThreadClosed: status `closed`.
 * - InputReceived: the first one's text becomes `firstInput` (summarised, 160 chars).
 * - Interactions are live from InteractionStarted until InteractionCompleted / Failed / Cancelled;
 *   while live their state is `running`, `waiting_input` (InputRequested, until InputMerged),
 *   `interrupted` (Interrupted, until Resumed, which returns to `waiting_input` when it was
 *   interrupted while waiting for input, else to running — `resumeTo` remembers which), or
 *   `waiting_approval` while it is otherwise running and has an approval pending (ApprovalRequested, until ApprovalGranted /
 *   ApprovalRejected, the step's StepCancelled, or the plan's PlanFinished).
 * - `status`: `closed` after ThreadClosed, else `active` with live interactions, else `idle`.
 * The thread id comes from the stream name (`thread-<id>`): a fork's copied ThreadOpened names the
 * parent in its payload, and is not trusted for the id.
 */
import type { RecordedFact } from '../src/facts/fact-types.ts';
import type { Projection } from '../src/projections/projection.ts';
import { positionOf, recordedAtMs, revisionOf, threadIdOf } from './shared/fact-envelope.ts';
import { emptyKeyed, getKeyed, keyedValues, setKeyed, type KeyedMap } from './shared/keyed-map.ts';
import { summarizeJson } from './shared/summarize.ts';

/** What a live interaction is doing. */
export type LiveInteractionState = 'running' | 'waiting_input' | 'waiting_approval' | 'interrupted';

/** An approval an interaction waits for. */
export interface PendingApprovalRef {
  approvalId: string;
  planId: string;
  stepId?: string;
}

/** One row of the thread list (a summary of one thread). Times: ms since epoch. */
export interface ThreadListing {
  threadId: string;
  /** ThreadOpened's title, else null. */
  title: string | null;
  /** Summary of the first input, else null. */
  firstInput: string | null;
  /** What to show: the title, else the first input, else the thread id. */
  displayTitle: string;
  status: 'idle' | 'active' | 'closed';
  /** Concurrency policy kind (`interrupt`, `enqueue`, …), null before ThreadOpened. */
  policy: string | null;
  /** Live interactions in start order, with what each is doing. */
  liveInteractions: Array<{ interactionId: string; state: LiveInteractionState }>;
  /** Approvals pending per live interaction id (absent when none). */
  pendingApprovals: Record<string, PendingApprovalRef[]>;
  /** Interrupted interactions: the state `Resumed` returns to (`running` or `waiting_input`), by id. */
  resumeTo: Record<string, LiveInteractionState>;
  /** Interactions by outcome. */
  counts: { started: number; completed: number; failed: number; cancelled: number };
  openedAtMs: number | null;
  lastActivityAtMs: number;
  lastRevision: number;
  lastPosition: number;
  factCount: number;
  forkedFrom: { threadId: string; revision: number } | null;
}

/** State of the `threads` projection (summaries keyed by thread id; see `shared/keyed-map.ts`). */
export interface ThreadsState {
  threads: KeyedMap<ThreadListing>;
}

/** The summary of one thread, or undefined. */
export function threadListing(state: ThreadsState, threadId: string): ThreadListing | undefined {
  return getKeyed(state.threads, threadId);
}

/** Every thread summary, most recently active first (ties: by thread id). */
export function threadListings(state: ThreadsState): ThreadListing[] {
  return keyedValues(state.threads).sort((a, b) => b.lastActivityAtMs - a.lastActivityAtMs || (a.threadId < b.threadId ? -1 : a.threadId > b.threadId ? 1 : 0));
}

function setLive(t: ThreadListing, interactionId: string, state: LiveInteractionState | null, from?: LiveInteractionState[]): ThreadListing {
  const index = t.liveInteractions.findIndex((l) => l.interactionId === interactionId);
  const current = t.liveInteractions[index];
  if (state === null) return index < 0 ? t : { ...t, liveInteractions: t.liveInteractions.filter((_, i) => i !== index) };
  if (!current) return from ? t : { ...t, liveInteractions: [...t.liveInteractions, { interactionId, state }] };
  if (from && !from.includes(current.state)) return t;
  return { ...t, liveInteractions: t.liveInteractions.map((l, i) => (i === index ? { interactionId, state } : l)) };
}

/** Replaces the pending approvals of one interaction (dropping the entry when empty). */
function setPending(t: ThreadListing, interactionId: string, keep: (p: PendingApprovalRef) => boolean, add?: PendingApprovalRef): ThreadListing {
  const before = t.pendingApprovals[interactionId] ?? [];
  const after = before.filter(keep);
  if (add) after.push(add);
  if (after.length === before.length && !add) return t;
  const pendingApprovals = { ...t.pendingApprovals };
  if (after.length > 0) pendingApprovals[interactionId] = after;
  else delete pendingApprovals[interactionId];
  return { ...t, pendingApprovals };
}

/** `t` without a `resumeTo` entry for `interactionId`. */
function dropResumeTo(t: ThreadListing, interactionId: string): ThreadListing {
  if (!Object.prototype.hasOwnProperty.call(t.resumeTo, interactionId)) return t;
  const resumeTo = { ...t.resumeTo };
  delete resumeTo[interactionId];
  return { ...t, resumeTo };
}

/** `running` becomes `waiting_approval` while an approval of that interaction is pending (and back). */
function withApprovalState(t: ThreadListing): ThreadListing {
  let changed = false;
  const liveInteractions = t.liveInteractions.map((l) => {
    const waiting = (t.pendingApprovals[l.interactionId]?.length ?? 0) > 0;
    const state: LiveInteractionState = l.state === 'running' && waiting ? 'waiting_approval' : l.state === 'waiting_approval' && !waiting ? 'running' : l.state;
    if (state === l.state) return l;
    changed = true;
    return { interactionId: l.interactionId, state };
  });
  return changed ? { ...t, liveInteractions } : t;
}

function evolveSummary(t: ThreadListing, fact: RecordedFact): ThreadListing {
  switch (fact.type) {
    case 'ApprovalRequested': {
      const { approvalId, planId, stepId } = fact.data;
      return setPending(t, fact.data.interactionId, (p) => p.approvalId !== approvalId, stepId === undefined ? { approvalId, planId } : { approvalId, planId, stepId });
    }
    case 'ApprovalGranted':
    case 'ApprovalRejected':
      return setPending(t, fact.data.interactionId, (p) => p.approvalId !== fact.data.approvalId);
    case 'StepCancelled':
      return setPending(t, fact.data.interactionId, (p) => !(p.planId === fact.data.planId && p.stepId === fact.data.stepId));
    case 'PlanFinished':
      return setPending(t, fact.data.interactionId, (p) => p.planId !== fact.data.planId);
    case 'ThreadOpened':
      return { ...t, title: fact.data.title ?? null, policy: fact.data.policy.kind, openedAtMs: t.openedAtMs ?? recordedAtMs(fact) };
    case 'ThreadForked':
      // A fork reopens: copied facts may end with the parent's ThreadClosed (the thread machine accepts ThreadForked in `closed`).
      return { ...t, status: 'idle', forkedFrom: { threadId: fact.data.from.threadId, revision: fact.data.from.revision } };
    case 'ThreadClosed':
      return { ...t, status: 'closed' };
    case 'InputReceived':
      return t.firstInput === null ? { ...t, firstInput: summarizeJson(fact.data.text) } : t;
    case 'InteractionStarted': {
      const next = setLive(t, fact.data.interactionId, 'running');
      return { ...next, counts: { ...t.counts, started: t.counts.started + 1 } };
    }
    case 'InputRequested':
      return setLive(t, fact.data.interactionId, 'waiting_input', ['running', 'waiting_approval', 'waiting_input']);
    case 'InputMerged':
      return setLive(t, fact.data.interactionId, 'running', ['waiting_input', 'running', 'waiting_approval']);
    case 'Interrupted': {
      const { interactionId } = fact.data;
      const current = t.liveInteractions.find((l) => l.interactionId === interactionId)?.state;
      if (current === undefined || current === 'interrupted') return t;
      // Like the interaction machine's history state: Resumed goes back to waiting for input, else to running
      // (waiting_approval then follows from the approvals still pending).
      const back: LiveInteractionState = current === 'waiting_input' ? 'waiting_input' : 'running';
      return { ...setLive(t, interactionId, 'interrupted'), resumeTo: { ...t.resumeTo, [interactionId]: back } };
    }
    case 'Resumed': {
      const { interactionId } = fact.data;
      const next = setLive(t, interactionId, t.resumeTo[interactionId] ?? 'running', ['interrupted', 'waiting_input', 'running', 'waiting_approval']);
      return dropResumeTo(next, interactionId);
    }
    case 'InteractionCompleted':
    case 'InteractionFailed':
    case 'InteractionCancelled': {
      const key = fact.type === 'InteractionCompleted' ? 'completed' : fact.type === 'InteractionFailed' ? 'failed' : 'cancelled';
      const next = dropResumeTo(setPending(setLive(t, fact.data.interactionId, null), fact.data.interactionId, () => false), fact.data.interactionId);
      return { ...next, counts: { ...t.counts, [key]: t.counts[key] + 1 } };
    }
    default:
      return t;
  }
}

function emptySummary(threadId: string): ThreadListing {
  return {
    threadId, title: null, firstInput: null, displayTitle: threadId, status: 'idle', policy: null, liveInteractions: [], pendingApprovals: {}, resumeTo: {},
    counts: { started: 0, completed: 0, failed: 0, cancelled: 0 }, openedAtMs: null, lastActivityAtMs: 0, lastRevision: -1,
    lastPosition: -1, factCount: 0, forkedFrom: null,
  };
}

/** The `threads` projection (see the module docstring). */
export const threadsProjection: Projection<ThreadsState> = {
  name: 'threads',
  version: 5,
  initialState: { threads: emptyKeyed() },
  evolve(state, fact) {
    const threadId = threadIdOf(fact);
    if (threadId === undefined) return state;
    const t = withApprovalState(evolveSummary(getKeyed(state.threads, threadId) ?? emptySummary(threadId), fact));
    const status = t.status === 'closed' ? 'closed' : t.liveInteractions.length > 0 ? 'active' : 'idle';
    const summary: ThreadListing = {
      ...t, status, displayTitle: t.title ?? t.firstInput ?? threadId, lastActivityAtMs: recordedAtMs(fact),
      lastRevision: revisionOf(fact), lastPosition: positionOf(fact), factCount: t.factCount + 1,
    };
    return { threads: setKeyed(state.threads, threadId, summary) };
  },
};
