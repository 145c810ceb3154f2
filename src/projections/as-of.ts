/**
 * "As of": a projection's state computed from one thread's facts up to a revision — time travel
 * ("what did the DAG look like at offset N?"). A pure fold of the thread stream's prefix; the
 * projection's other threads are simply absent from the result.
 */
import type { RecordedFact } from '../facts/fact-types.ts';
import type { EventStore } from '../store/event-store.ts';
import { historyFacts, lastRevision } from '../history/read.ts';
import { threadStreamId } from '../history/stream.ts';
import { foldFacts, type Projection } from './projection.ts';
import { AsOfError } from './projection-errors.ts';

/** Options of `projectAsOf`. */
export interface AsOfOptions {
  /** Last revision to apply, inclusive (`-1n` = before the first fact → the initial state). */
  toRevision: bigint;
}

/** A thread in a store: `{ store, threadId }` reads stream `thread-<threadId>`. */
export interface ThreadSource {
  store: EventStore;
  threadId: string;
}

function checkRevision(streamId: string, toRevision: bigint): void {
  if (typeof toRevision !== 'bigint' || toRevision < -1n) throw new AsOfError(streamId, `toRevision must be a bigint ≥ -1, got ${String(toRevision)}`);
}

function foldPrefix<S>(projection: Projection<S>, facts: Iterable<RecordedFact>, toRevision: bigint): S {
  let streamId: string | undefined;
  let last = -1n;
  const prefix: RecordedFact[] = [];
  for (const fact of facts) {
    if (streamId === undefined) streamId = fact.streamId;
    else if (fact.streamId !== streamId) throw new AsOfError(streamId, `the facts given also hold stream '${fact.streamId}' (revision ${fact.revision}); pass one stream`);
    if (fact.revision !== last + 1n) throw new AsOfError(streamId, `revisions must be contiguous from 0: expected ${last + 1n}, got ${fact.revision}`);
    last = fact.revision;
    if (fact.revision <= toRevision) prefix.push(fact);
  }
  if (toRevision > last) throw new AsOfError(streamId ?? '(none)', `revision ${toRevision} is beyond the last revision given (${last})`);
  return foldFacts(projection, prefix);
}

/**
 * The state of `projection` after the facts of one thread stream up to `toRevision` inclusive.
 * - With `facts` (one stream's facts from revision 0, in order): returns the state synchronously.
 * - With `{ store, threadId }`: reads `thread-<threadId>` up to `toRevision` (facts of unknown types
 *   are passed over) and resolves with the state.
 * @throws AsOfError `toRevision` < -1 or beyond the stream's last revision; facts of several streams
 *   or with a revision gap. Whatever `evolve` throws propagates unchanged.
 * @throws StreamNotFoundError (store form) the thread has no fact.
 */
export function projectAsOf<S>(projection: Projection<S>, facts: Iterable<RecordedFact>, options: AsOfOptions): S;
export function projectAsOf<S>(projection: Projection<S>, source: ThreadSource, options: AsOfOptions): Promise<S>;
export function projectAsOf<S>(projection: Projection<S>, source: Iterable<RecordedFact> | ThreadSource, options: AsOfOptions): S | Promise<S> {
  if (!isThreadSource(source)) {
    checkRevision('(facts)', options.toRevision);
    return foldPrefix(projection, source, options.toRevision);
  }
  return projectThreadAsOf(projection, source, options.toRevision);
}

function isThreadSource(source: Iterable<RecordedFact> | ThreadSource): source is ThreadSource {
  return typeof (source as ThreadSource).threadId === 'string' && typeof (source as ThreadSource).store === 'object';
}

async function projectThreadAsOf<S>(projection: Projection<S>, { store, threadId }: ThreadSource, toRevision: bigint): Promise<S> {
  const streamId = threadStreamId(threadId);
  checkRevision(streamId, toRevision);
  if (toRevision === -1n) return projection.initialState;
  const last = await lastRevision(store, threadId);
  if (last !== undefined && toRevision > last) throw new AsOfError(streamId, `revision ${toRevision} is beyond the stream's last revision ${last}`);
  let state = projection.initialState;
  for await (const fact of historyFacts(store, threadId, { toRevision })) state = projection.evolve(state, fact);
  return state;
}
