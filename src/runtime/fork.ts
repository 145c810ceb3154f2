/**
 * Fork: a new thread whose history is the source thread's first facts (revisions 0..atRevision)
 * followed by `ThreadForked { threadId: newThreadId, from: { threadId, revision: atRevision } }`.
 * The source stream is only read.
 */
import type { IdGenerator } from '../core/ids.ts';
import type { Fact } from '../facts/fact-types.ts';
import { StreamNotFoundError } from '../store/errors.ts';
import { NO_STREAM, type EventData, type EventMetadataInput, type EventStore } from '../store/event-store.ts';
import { ThreadRevisionError } from '../history/errors.ts';
import { factOf } from '../history/decode.ts';
import { historyEvents, lastRevision } from '../history/read.ts';
import { threadStreamId } from '../history/stream.ts';
import { applyFact, hashThreadState, initialThreadState, type FoldOptions } from '../history/fold/thread-state.ts';

/** What to fork. */
export interface ForkRequest extends FoldOptions {
  threadId: string;
  /** Last source revision copied, inclusive (≥ 0). */
  atRevision: bigint;
  newThreadId: string;
  /** Event ids of the new stream. */
  ids: IdGenerator;
}

/** Result: the new thread's stream and last revision (the ThreadForked fact). */
export interface ForkResult {
  threadId: string;
  streamId: string;
  revision: bigint;
}

/** Replaces the thread id a thread-level fact names (ThreadOpened / ThreadForked `threadId`). */
function rewrite(fact: Fact, newThreadId: string): Fact {
  if (fact.type === 'ThreadOpened' || fact.type === 'ThreadForked') return { type: fact.type, data: { ...fact.data, threadId: newThreadId } } as Fact;
  return fact;
}

/**
 * Copies the source's facts 0..atRevision into `thread-<newThreadId>` with new event ids (a copied
 * `causationId` naming a copied event is mapped to its new id; `correlationId` is kept), appends
 * ThreadForked, all in one append with NO_STREAM. Each new fact's `snapshotHash` is recomputed by
 * folding the new stream (the thread id is part of the state).
 * @throws StreamNotFoundError the source thread has no fact.
 * @throws ThreadRevisionError `atRevision` is negative or past the source's last revision.
 * @throws WrongExpectedVersionError `thread-<newThreadId>` already exists.
 * @throws IllegalTransitionError the source history does not fold, or holds an unknown fact type
 *   (then nothing is written).
 */
export async function forkThread(store: EventStore, request: ForkRequest): Promise<ForkResult> {
  const { threadId, atRevision, newThreadId, ids } = request;
  const fold: FoldOptions = request.machines ? { machines: request.machines } : {};
  if (atRevision < 0n) throw new ThreadRevisionError(threadId, atRevision, 'cannot fork before revision 0');
  const last = await lastRevision(store, threadId);
  if (last === undefined) throw new StreamNotFoundError(threadStreamId(threadId));
  if (atRevision > last) throw new ThreadRevisionError(threadId, atRevision, `cannot fork past the thread's last revision ${last}`);
  if (newThreadId === threadId) throw new ThreadRevisionError(threadId, atRevision, 'a fork needs a new thread id');

  let state = initialThreadState(newThreadId, fold);
  const newIds = new Map<string, string>();
  const events: EventData[] = [];
  const push = (fact: Fact, meta: EventMetadataInput, id: string): void => {
    state = applyFact(state, fact, BigInt(events.length), fold);
    events.push({ id, type: fact.type, data: fact.data, metadata: { ...meta, snapshotHash: hashThreadState(state) } });
  };
  for await (const e of historyEvents(store, threadId, { toRevision: atRevision })) {
    const fact = factOf(threadId, e);
    const id = ids.uuid();
    newIds.set(e.id, id);
    const meta: EventMetadataInput = {};
    if (e.metadata.correlationId !== undefined) meta.correlationId = e.metadata.correlationId;
    if (e.metadata.causationId !== undefined) meta.causationId = newIds.get(e.metadata.causationId) ?? e.metadata.causationId;
    push(rewrite(fact, newThreadId), meta, id);
  }
  push({ type: 'ThreadForked', data: { threadId: newThreadId, from: { threadId, revision: Number(atRevision) } } }, {}, ids.uuid());
  const streamId = threadStreamId(newThreadId);
  const result = await store.appendToStream(streamId, events, { expectedRevision: NO_STREAM });
  return { threadId: newThreadId, streamId, revision: result.nextExpectedRevision };
}
