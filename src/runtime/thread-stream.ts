/**
 * Reading and writing a thread's stream (`thread-<threadId>`): rehydration by folding its facts
 * (optionally starting from a cached snapshot), and turning drafted facts into store events.
 */
import type { EventData, EventStore } from '../store/event-store.ts';
import { isStreamNotFoundError } from '../store/errors.ts';
import type { Fact } from '../facts/fact-types.ts';
import { ThreadRevisionError } from '../history/errors.ts';
import { applyFacts, initialThreadState, type ThreadState } from '../history/fold/thread-state.ts';

/** Facts folded per `applyFacts` call while rehydrating (records are copied once per batch). */
const FOLD_BATCH = 512;

/** The stream holding every fact of thread `threadId`. */
export function threadStreamId(threadId: string): string {
  return `thread-${threadId}`;
}

/** A stored fact as the runtime remembers it: its event id and the command that caused it. */
export interface FactOrigin {
  eventId: string;
  correlationId?: string;
}

/**
 * Key of the effect a fact requests, if any: `plan/<interactionId>/<iteration>` for
 * PlanningRequested, `step/<interactionId>/<planId>/<stepId>/<attempt>` for StepStarted.
 */
export function effectKey(fact: Fact): string | undefined {
  if (fact.type === 'PlanningRequested') return `plan/${fact.data.interactionId}/${fact.data.iteration}`;
  if (fact.type === 'StepStarted') return `step/${fact.data.interactionId}/${fact.data.planId}/${fact.data.stepId}/${fact.data.attempt}`;
  return undefined;
}

/** Result of `foldThread`: the state, and the origin of each effect-requesting fact read (by `effectKey`). */
export interface FoldedThread {
  state: ThreadState;
  origins: Map<string, FactOrigin>;
  /** Facts read from the store (those after the snapshot, when one was used). */
  factsRead: number;
}

/**
 * Rebuilds a thread's state from the store: from `snapshot` (when given and not past the stream's
 * end) plus the facts after it, else from the first fact.
 * @returns undefined when the stream has no fact.
 * @throws IllegalTransitionError a stored fact is illegal for the current machines (corrupt history
 *   or incompatible machine change); ThreadRevisionError a gap in the stream; EventDecodeError from the store.
 */
export async function foldThread(store: EventStore, threadId: string, snapshot?: ThreadState): Promise<FoldedThread | undefined> {
  const streamId = threadStreamId(threadId);
  let state = snapshot && snapshot.threadId === threadId && snapshot.revision >= 0n ? snapshot : initialThreadState(threadId);
  const origins = new Map<string, FactOrigin>();
  let factsRead = 0;
  let batch: Fact[] = [];
  try {
    for await (const event of store.readStream(streamId, { fromRevision: state.revision + 1n })) {
      if (event.revision !== state.revision + BigInt(batch.length) + 1n) {
        throw new ThreadRevisionError(threadId, event.revision, `stream read out of order (expected ${state.revision + BigInt(batch.length) + 1n})`);
      }
      const fact = { type: event.type, data: event.data } as Fact;
      batch.push(fact);
      const key = effectKey(fact);
      if (key !== undefined) {
        const origin: FactOrigin = { eventId: event.id };
        if (event.metadata.correlationId !== undefined) origin.correlationId = event.metadata.correlationId;
        origins.set(key, origin);
      }
      factsRead++;
      if (batch.length >= FOLD_BATCH) {
        state = applyFacts(state, batch);
        batch = [];
      }
    }
  } catch (err) {
    if (!isStreamNotFoundError(err)) throw err;
  }
  state = applyFacts(state, batch);
  if (state.revision < 0n) return undefined;
  return { state, origins, factsRead };
}

/** A fact ready to append, with its metadata. */
export interface DraftedFact {
  id: string;
  fact: Fact;
  correlationId?: string;
  causationId?: string;
  snapshotHash?: string;
}

/** Store events for `facts` (same order). */
export function toEventData(facts: readonly DraftedFact[]): EventData[] {
  return facts.map((d) => {
    const metadata: EventData['metadata'] = {};
    if (d.correlationId !== undefined) metadata.correlationId = d.correlationId;
    if (d.causationId !== undefined) metadata.causationId = d.causationId;
    if (d.snapshotHash !== undefined) metadata.snapshotHash = d.snapshotHash;
    return { id: d.id, type: d.fact.type, data: d.fact.data, metadata };
  });
}
