/**
 * One live subscription to the whole log (`subscribeToAll`) shared by every SSE client, so 200
 * subscribers cost one reader. A client attaches first (events arriving meanwhile are queued),
 * then catches up from the store by itself (`readAll` after its `Last-Event-ID`, or its thread's
 * stream), then drains the queue: every event whose position is not above the last one it
 * delivered is dropped, so the seam between catch-up and live has no gap and no duplicate
 * (positions follow commit order in every adapter).
 *
 * A subscription that errors (a failed read, a lost connection) is reported and opened again after
 * a delay that doubles from 100 ms to 5 s (`createBackoff`'s defaults; reset by the next event it
 * delivers), from the last position the hub delivered: listeners stay attached and see every event
 * once, in order, across the outage. Only a closed store (`StoreClosedError`, or the subscription
 * completing) or `stop()` ends the hub.
 */
import type { Subscription } from 'rxjs';
import { createBackoff } from '../core/backoff.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { EventStore, RecordedEvent } from '../store/event-store.ts';
import { isStoreClosedError } from '../store/errors.ts';

/** A listener of the hub: called with every event, in position order. */
export type HubListener = (event: RecordedEvent) => void;

/** The shared live subscription. */
export interface FactHub {
  /** Position of the last event the hub delivered (`-1n` = none yet). */
  position(): bigint;
  /** Adds a listener; returns its removal. */
  attach(listener: HubListener): () => void;
  /** Listeners attached now. */
  size(): number;
  /** Ends the subscription and cancels a pending resubscription; listeners get nothing more. */
  stop(): void;
}

/**
 * Hears a subscription error of the hub: `retryInMs` is the delay before it subscribes again, or
 * `undefined` when the error ended the hub (a closed store).
 */
export type HubErrorListener = (err: unknown, retryInMs: number | undefined) => void;

/**
 * Starts the hub at `fromPosition` (exclusive; any position at or before the log's end is correct,
 * a later one only saves reading). `onError` hears each subscription error (see the module doc:
 * retried after a backoff delay on `clock`, unless the store is closed). Never throws.
 */
export function startFactHub(store: EventStore, fromPosition: bigint, onError: HubErrorListener, clock: Clock = systemClock): FactHub {
  const listeners = new Set<HubListener>();
  const backoff = createBackoff();
  let last = fromPosition;
  let stopped = false;
  let retry: unknown;
  let subscription: Subscription | undefined;
  const subscribe = (): void => {
    retry = undefined;
    if (stopped) return;
    subscription = store.subscribeToAll({ fromPosition: last }).subscribe({
      next: (e) => {
        backoff.reset();
        last = e.position;
        for (const l of listeners) l(e);
      },
      error: (err: unknown) => {
        subscription = undefined;
        if (stopped) return;
        if (isStoreClosedError(err)) return onError(err, undefined);
        const delayMs = backoff.next();
        onError(err, delayMs);
        retry = clock.setTimeout(subscribe, delayMs);
      },
    });
    if (stopped) subscription.unsubscribe();
  };
  subscribe();
  return {
    position: () => last,
    attach(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    size: () => listeners.size,
    stop() {
      stopped = true;
      if (retry !== undefined) clock.clearTimeout(retry);
      retry = undefined;
      subscription?.unsubscribe();
    },
  };
}

/** Where a follower starts and what it reads. */
export interface FollowOptions {
  /** Deliver events strictly after this position. */
  afterPosition: bigint;
  /** Only this stream (read from revision 0 for context; delivered after `afterPosition`). */
  streamId?: string;
  /** Skip the catch-up read (live only: `afterPosition` is the hub's position). */
  liveOnly?: boolean;
}

/**
 * Follows the log for one client: `observe` sees every event of the scope in order exactly once
 * (including those at or before `afterPosition` of a stream, for context), `deliver` those after
 * `afterPosition`. Returns a stop function; `ready` settles after the catch-up.
 */
export function followFacts(
  hub: FactHub,
  store: EventStore,
  o: FollowOptions,
  sink: { observe?(e: RecordedEvent): void; deliver(e: RecordedEvent): void; fail(err: unknown): void },
): { stop(): void; ready: Promise<void> } {
  let lastDelivered = o.afterPosition;
  let lastObserved = -1n; // revision for a stream, position for the whole log
  let live = false;
  let stopped = false;
  const queue: RecordedEvent[] = [];
  const emit = (e: RecordedEvent): void => {
    const cursor = o.streamId !== undefined ? e.revision : e.position;
    if (cursor <= lastObserved) return;
    lastObserved = cursor;
    sink.observe?.(e);
    if (e.position <= lastDelivered) return;
    lastDelivered = e.position;
    sink.deliver(e);
  };
  const detach = hub.attach((e) => {
    if (stopped || (o.streamId !== undefined && e.streamId !== o.streamId)) return;
    if (live) emit(e);
    else queue.push(e);
  });
  const ready = (async () => {
    if (!o.liveOnly) {
      const events = o.streamId !== undefined ? store.readStream(o.streamId, { fromRevision: 0n }) : store.readAll({ fromPosition: o.afterPosition });
      for await (const e of events) {
        if (stopped) return;
        emit(e);
      }
    }
    for (const e of queue.splice(0)) emit(e);
    live = true;
  })().catch((err: unknown) => {
    if (!stopped) sink.fail(err);
  });
  return {
    ready,
    stop() {
      stopped = true;
      detach();
    },
  };
}
