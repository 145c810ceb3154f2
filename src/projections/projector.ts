/**
 * Runs a projection in-process over an event store: a catch-up subscription to the whole log
 * (`store.subscribeToAll({ fromPosition })`), facts applied strictly in position order, the state
 * exposed synchronously (`get`, `position`) and as an rxjs Observable (`state$`).
 *
 * Batching: facts are applied one by one as they arrive (so `get()` / `position()` are always
 * exact), but `state$` emits, and the `onBatch` sink (persistence) runs, once per *batch*: the facts
 * delivered in one synchronous burst — a catch-up page or one live commit — closed by a microtask,
 * or every `maxBatchFacts` facts (default 1000) within a long burst.
 *
 * Failure: when `evolve` (or `decode`) throws on a fact, the projector wraps it in a
 * `ProjectionError` (naming the projection, the fact's stream, revision and position), first
 * emits/sinks the batch applied before that fact, then stops: it unsubscribes, its state and
 * position stay those after the previous fact (the checkpoint is neither advanced nor lost; the fact
 * is not skipped), `status()` becomes `failed`, and `state$` errors with the ProjectionError. An
 * event the store cannot decode (`EventDecodeError`), a closed store (`StoreClosedError`) and a sink
 * failure stop it the same way with that error. A store that closes completes `state$` (status
 * `stopped`).
 *
 * Retry: any other subscription error (a failed read, a lost connection) is transient: the batch
 * applied so far is emitted and sunk, `status()` becomes `retrying` (with the error and the delay),
 * and after a delay that doubles from 100 ms to 5 s (`createBackoff`'s defaults, on `clock`; reset
 * by the next event delivered) the projector subscribes again from its position, status `running`
 * again: no fact is applied twice or skipped, `state$` goes on, and `waitForPosition` keeps waiting.
 */
import type { Observable, Subscription } from 'rxjs';
import { createBackoff } from '../core/backoff.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { BehaviorSubject } from '../core/rxjs.ts';
import type { RecordedFact } from '../facts/fact-types.ts';
import { recordedFactOf } from '../history/decode.ts';
import type { EventStore, RecordedEvent } from '../store/event-store.ts';
import { isEventDecodeError, isStoreClosedError } from '../store/errors.ts';
import { START_POSITION, type Projection } from './projection.ts';
import { ProjectionError } from './projection-errors.ts';

export { START_POSITION };

/**
 * What a projector is doing. `position`: last applied event's position (`-1n` = none).
 * `retrying`: its subscription failed with `error`; it subscribes again from `position` in
 * `retryInMs` ms (then `running` again).
 */
export type ProjectorStatus =
  | { kind: 'running'; position: bigint }
  | { kind: 'retrying'; position: bigint; error: Error; retryInMs: number }
  | { kind: 'stopped'; position: bigint }
  | { kind: 'failed'; position: bigint; error: Error };

/** Why the sink is called: end of a batch, `stop()`, or just before failing. */
export type BatchReason = 'batch' | 'stop' | 'fail';

/** What the sink receives after each batch. `facts`: facts applied in this batch (may be 0 for stop/fail). */
export interface BatchInfo<S> {
  state: S;
  position: bigint;
  facts: number;
  reason: BatchReason;
}

/** Options of `startProjector`. */
export interface ProjectorOptions<S> {
  /** Checkpoint: apply events with position strictly greater than this. Default `START_POSITION`. */
  fromPosition?: bigint;
  /** State at `fromPosition`. Default: the projection's `initialState` (then `fromPosition` should be the start). */
  initialState?: S;
  /**
   * Turns a stored event into a fact, or `undefined` to pass over a non-fact event (its position is
   * still consumed). Default: events whose type is a known fact type, as decoded by the store's codec.
   */
  decode?: (event: RecordedEvent) => RecordedFact | undefined;
  /** Called in order after each batch, and at stop/fail; calls never overlap (awaited in sequence). A rejection fails the projector. */
  onBatch?: (batch: BatchInfo<S>) => void | Promise<void>;
  /** Largest batch, facts (≥ 1). Default 1000. */
  maxBatchFacts?: number;
  /** Timers of the resubscriptions after a subscription error. Default `systemClock`. */
  clock?: Clock;
}

/** A running projection. */
export interface Projector<S> {
  readonly name: string;
  /** Current state, then one emission per batch; errors when the projector fails; completes when stopped. */
  readonly state$: Observable<S>;
  /** Status changes (current value first): `running` ⇄ `retrying`, then `stopped` or `failed`. */
  readonly status$: Observable<ProjectorStatus>;
  /** State after the last applied fact. */
  get(): S;
  /** Position of the last applied event, `START_POSITION` before any. */
  position(): bigint;
  status(): ProjectorStatus;
  /**
   * Resolves with the state once `position()` ≥ `position` and that batch was emitted and sunk.
   * Rejects with the projector's error if it fails first, or an Error if it stops first.
   */
  waitForPosition(position: bigint): Promise<S>;
  /**
   * Unsubscribes (or cancels a pending resubscription), emits and sinks the pending batch, waits for
   * the sink, completes `state$`. Idempotent.
   * @throws what the sink threw while stopping (e.g. the final save failed).
   */
  stop(): Promise<void>;
}

/**
 * Starts `projection` over `store` (see the module docstring for batching and failure).
 * @throws RangeError a bad `maxBatchFacts` (synchronously).
 */
export function startProjector<S>(projection: Projection<S>, store: EventStore, options: ProjectorOptions<S> = {}): Projector<S> {
  const maxBatch = options.maxBatchFacts ?? 1000;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`projector '${projection.name}': maxBatchFacts must be an integer ≥ 1, got ${maxBatch}`);
  const decode = options.decode ?? recordedFactOf;
  const clock = options.clock ?? systemClock;
  const backoff = createBackoff();
  let retry: unknown; // the timer of a pending resubscription
  let state = options.initialState ?? projection.initialState;
  let position = options.fromPosition ?? START_POSITION;
  let emittedPosition = position;
  let batchFacts = 0;
  let scheduled = false;
  let done = false;
  let sinking: Promise<void> = Promise.resolve();
  const subject = new BehaviorSubject<S>(state);
  const statusSubject = new BehaviorSubject<ProjectorStatus>({ kind: 'running', position });
  // The store subscription; a holder because `fail` may run while `subscribe()` is still delivering.
  const upstream: { current?: Subscription } = {};
  const waiters = new Set<{ at: bigint; resolve: (s: S) => void; reject: (e: Error) => void }>();

  const sink = (reason: BatchReason): void => {
    if (!options.onBatch) return;
    const info: BatchInfo<S> = { state, position, facts: batchFacts, reason };
    const onBatch = options.onBatch;
    sinking = sinking.then(() => onBatch(info));
    sinking.catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
  };
  const flush = (reason: BatchReason): void => {
    scheduled = false;
    if (batchFacts === 0 && position === emittedPosition && reason === 'batch') return;
    if (position !== emittedPosition) subject.next(state);
    emittedPosition = position;
    sink(reason);
    batchFacts = 0;
    if (!done) statusSubject.next({ kind: 'running', position });
    const snapshot = state;
    const ready = [...waiters].filter((w) => position >= w.at);
    if (ready.length === 0) return;
    for (const w of ready) waiters.delete(w); // reached: resolved once sunk, whatever happens next
    void sinking.then(
      () => ready.forEach((w) => w.resolve(snapshot)),
      (err: unknown) => ready.forEach((w) => w.reject(err instanceof Error ? err : new Error(String(err)))),
    );
  };
  const finish = (status: ProjectorStatus): void => {
    statusSubject.next(status);
    statusSubject.complete();
    const err = status.kind === 'failed' ? status.error : new Error(`projector '${projection.name}' stopped at position ${position}`);
    for (const w of waiters) w.reject(err);
    waiters.clear();
  };
  /** Ends the store subscription and a pending resubscription. */
  const unsubscribe = (): void => {
    if (retry !== undefined) clock.clearTimeout(retry);
    retry = undefined;
    upstream.current?.unsubscribe();
  };
  const fail = (error: Error): void => {
    if (done) return;
    unsubscribe();
    flush('fail');
    done = true;
    finish({ kind: 'failed', position, error });
    subject.error(error);
  };

  const apply = (event: RecordedEvent): void => {
    if (done) return;
    try {
      const fact = decode(event);
      if (fact) state = projection.evolve(state, fact);
    } catch (err) {
      fail(new ProjectionError(projection.name, event.streamId, event.revision, event.position, event.type, err));
      return;
    }
    backoff.reset();
    position = event.position;
    batchFacts++;
    if (batchFacts >= maxBatch) flush('batch');
    else if (!scheduled) {
      scheduled = true;
      queueMicrotask(() => !done && flush('batch'));
    }
  };

  /** A failed subscription: the batch so far is emitted and sunk, then it subscribes again after the backoff delay. */
  const retryLater = (error: Error): void => {
    flush('batch');
    const retryInMs = backoff.next();
    statusSubject.next({ kind: 'retrying', position, error, retryInMs });
    retry = clock.setTimeout(subscribe, retryInMs);
  };
  const subscribe = (): void => {
    retry = undefined;
    if (done) return;
    if (statusSubject.getValue().kind === 'retrying') statusSubject.next({ kind: 'running', position });
    const from = position === START_POSITION ? {} : { fromPosition: position };
    upstream.current = store.subscribeToAll(from).subscribe({
      next: apply,
      error: (err: unknown) => {
        if (done) return;
        const error = err instanceof Error ? err : new Error(String(err));
        if (isEventDecodeError(err) || isStoreClosedError(err)) fail(error);
        else retryLater(error);
      },
      complete: () => {
        if (done) return;
        flush('stop');
        done = true;
        finish({ kind: 'stopped', position });
        subject.complete();
      },
    });
    if (done) upstream.current.unsubscribe();
  };
  subscribe();

  return {
    name: projection.name,
    state$: subject.asObservable(),
    status$: statusSubject.asObservable(),
    get: () => state,
    position: () => position,
    status: () => statusSubject.getValue(),
    waitForPosition(at) {
      const current = statusSubject.getValue();
      if (current.kind === 'failed') return Promise.reject(current.error);
      if (emittedPosition >= at) return sinking.then(() => state);
      if (done) return Promise.reject(new Error(`projector '${projection.name}' stopped at position ${position}`));
      return new Promise<S>((resolve, reject) => waiters.add({ at, resolve, reject }));
    },
    async stop() {
      if (!done) {
        unsubscribe();
        flush('stop');
        done = true;
        finish({ kind: 'stopped', position });
        subject.complete();
      }
      try {
        await sinking;
      } catch (err) {
        // A sink failure that already failed the projector was reported there; one during stop is not.
        if (statusSubject.getValue().kind !== 'failed') throw err;
      }
    },
  };
}
