/**
 * The inspector as an API: `inspectThread` replays a recorded thread into an inspector;
 * `attachInspector` follows a runtime's threads live (one, or every thread of its store). Both take
 * any `@statelyai/inspect` inspector (browser, WebSocket, `createInspector(yourAdapter)`).
 */
import type { Runtime } from '../runtime/runtime.ts';
import type { EventStore } from '../store/event-store.ts';
import { StreamNotFoundError } from '../store/errors.ts';
import { historyEvents } from '../history/read.ts';
import { threadIdOfStream, threadStreamId } from '../history/stream.ts';
import { createInspectionReplay, type InspectionEvent, type InspectionReplay, type InspectorLike } from './inspection-events.ts';

/** Options of `inspectThread`. */
export interface InspectThreadOptions {
  inspector: InspectorLike;
  /** Last revision replayed, inclusive (default: the thread's last). */
  toRevision?: bigint | number;
}

const sender = (inspector: InspectorLike) => (e: InspectionEvent) => (inspector.adapter.send as (event: InspectionEvent) => void)(e);

/**
 * Replays thread `threadId` of `store` into `inspector`, up to `toRevision`.
 * @returns the facts replayed and the inspection events sent.
 * @throws StreamNotFoundError the thread has no fact.
 */
export async function inspectThread(store: EventStore, threadId: string, options: InspectThreadOptions): Promise<{ facts: number; events: number }> {
  const replay = createInspectionReplay(sender(options.inspector), threadId);
  let facts = 0;
  const range = options.toRevision !== undefined ? { toRevision: BigInt(options.toRevision) } : {};
  for await (const e of historyEvents(store, threadId, range)) {
    replay.apply(e);
    facts++;
  }
  if (facts === 0) throw new StreamNotFoundError(threadStreamId(threadId));
  return { facts, events: replay.sent };
}

/** Options of `attachInspector`. */
export interface AttachInspectorOptions {
  inspector: InspectorLike;
  /** Only this thread (default: every thread of the runtime's store). */
  threadId?: string;
}

/** A live inspection; `stop` ends it (the inspector itself is yours to stop). */
export interface AttachedInspector {
  stop(): void;
}

/**
 * Reports the facts of the runtime's threads to `inspector` as they are appended, each thread from
 * its first fact (so the inspector sees whole timelines), until `stop()`.
 */
export function attachInspector(runtime: Runtime, options: AttachInspectorOptions): AttachedInspector {
  const send = sender(options.inspector);
  const replays = new Map<string, InspectionReplay>();
  const store = runtime.store;
  const source = options.threadId !== undefined ? store.subscribeToStream(threadStreamId(options.threadId)) : store.subscribeToAll();
  const sub = source.subscribe((e) => {
    const threadId = threadIdOfStream(e.streamId);
    if (threadId === undefined) return;
    let replay = replays.get(threadId);
    if (!replay) replays.set(threadId, (replay = createInspectionReplay(send, threadId)));
    replay.apply(e);
  });
  return { stop: () => sub.unsubscribe() };
}
