/**
 * One thread in memory: its committed state, its serial mailbox, and the write-ahead cycle every
 * command and effect result goes through (docs/architecture.md):
 *
 * 1. take every queued message (a batch); each `decide`s facts into a draft on the committed
 *    state — a message that throws (typed command error, IllegalTransitionError) is rolled back
 *    alone and its caller gets the error; nothing of it is appended;
 * 2. `advance` adds every fact that follows without an effect (the agent loop's pure half);
 * 3. one `appendToStream(thread-<id>, facts, { expectedRevision: last committed revision })`;
 *    `WrongExpectedVersionError` (another writer) ⇒ fold the new facts in and re-decide the whole
 *    batch (up to `MAX_CONFLICTS` times, then `WriteContentionError`);
 * 4. commit: the draft's state becomes the state, `state$` emits, callers get their results;
 * 5. effects: `reconcileEffects` aborts work that is no longer wanted and starts what the state asks
 *    for (planner calls, step runs), and the wake-up timer is re-armed.
 *
 * Failures no caller would hear about stop the runner (ThreadStoppedError): an append that fails for
 * another reason than a lost race (disk full, I/O, a refused event), an effect's result that cannot
 * be decided, `advance` throwing. Nothing of that batch is stored or acknowledged; effects are
 * aborted; the batch's commands, the waiters of `whenSettled`/`whenIdle` and every later command
 * reject with the error. Effects whose results were lost run again when the thread is rehydrated
 * (at-least-once, same idempotency key), as after a crash.
 *
 * `close()` is graceful: it starts no effect any more, lets the results of actions that already
 * finished reach the mailbox (one event-loop turn), records what is queued (bounded by
 * `CLOSE_DRAIN_MS`), and only then aborts the effects still running; their results are dropped and
 * the next owner runs them again. A crash records nothing more, as above.
 */
import { BehaviorSubject } from '../core/rxjs.ts';
import { hitFaultPoint } from '../core/fault-points.ts';
import { isWrongExpectedVersionError } from '../store/errors.ts';
import { NO_STREAM } from '../store/event-store.ts';
import { isThreadStoppedError, RuntimeClosedError, ThreadStoppedError, WriteContentionError } from './command-errors.ts';
import { advance } from './advance.ts';
import { createDraft, type Draft, type DraftMark, type DraftMeta } from './draft.ts';
import { createEffects, type Effects, type RunnerEnv } from './effects.ts';
import { createMailbox, type Mailbox } from './mailbox.ts';
import type { RunnerMessage } from './runner-message.ts';
import { isSettledState } from './settled.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import { forgetSettledOrigin, noteOrigin, pruneOrigins, type FactOrigin } from '../history/effect-keys.ts';
import { threadView, type ThreadView } from '../history/fold/views.ts';
import { threadStreamId } from '../history/stream.ts';
import { rehydrateThread, toEventData } from './thread-stream.ts';
import { RunnerHandle, type ThreadRunner } from './runner-handle.ts';

export type { ThreadRunner } from './runner-handle.ts';

/** Appends lost to other writers in a row before a batch gives up. */
export const MAX_CONFLICTS = 8;

/** Longest time `close()` spends recording the messages queued when it began, ms (runner clock). */
export const CLOSE_DRAIN_MS = 2000;

/** `draft` with `add` defaulting to the message's correlation and causation ids. */
function withMeta(draft: Draft, m: RunnerMessage): Draft {
  if (m.correlationId === undefined && m.causationId === undefined) return draft;
  const meta: DraftMeta = {};
  if (m.correlationId !== undefined) meta.correlationId = m.correlationId;
  if (m.causationId !== undefined) meta.causationId = m.causationId;
  return new MetaDraft(draft, meta);
}

/**
 * The draft of `withMeta`. A class, not an object literal with getters: those would be accessor
 * pairs of their own per message, which V8 allocates in the old generation (holding the draft there
 * until a full GC).
 */
class MetaDraft implements Draft {
  constructor(
    private readonly draft: Draft,
    private readonly meta: DraftMeta,
  ) {}

  get state(): ThreadState {
    return this.draft.state;
  }

  get current(): ThreadState {
    return this.draft.current;
  }

  get facts(): Draft['facts'] {
    return this.draft.facts;
  }

  add(facts: Parameters<Draft['add']>[0], extra?: DraftMeta): void {
    this.draft.add(facts, { ...this.meta, ...extra });
  }

  mark(): DraftMark {
    return this.draft.mark();
  }

  rollback(mark: DraftMark): void {
    this.draft.rollback(mark);
  }

  seal(): void {
    this.draft.seal();
  }
}

/** Hooks of a runner's owner. */
export interface ThreadRunnerHooks {
  /** Called after every batch (and after `whenSettled`/`whenIdle` checks) while the runner is `evictable`. */
  onEvictable?(): void;
}

/**
 * Creates the runner of `state` (a folded state; `initialThreadState` for a thread to open), with
 * the effect origins read by the fold (`origins`) and its owner's `hooks`.
 */
export function createThreadRunner(initial: ThreadState, env: RunnerEnv, origins = new Map<string, FactOrigin>(), hooks: ThreadRunnerHooks = {}): ThreadRunner {
  const threadId = initial.threadId;
  const streamId = threadStreamId(threadId);
  const subject = new BehaviorSubject<ThreadState>(initial);
  let state = initial;
  /** Set when `close()` begins: no new command, no new effect. */
  let closed = false;
  /** Set when the close's drain is over: every message is refused. */
  let drained = false;
  let closing: Promise<void> | undefined;
  let failure: ThreadStoppedError | undefined;
  let waiters: Array<{ settled: boolean; resolve: (s: ThreadState) => void; reject: (e: unknown) => void }> = [];
  /** The wake-up time the last scheduler pass asked for (a timer is armed for it while owned). */
  let wakeAt: number | undefined;

  /**
   * Drops the origins of interactions that ended (see `pruneOrigins`). The thread's list of live
   * interactions is a new array only when an interaction starts or ends, so the pass over the
   * origins (O(effects requested)) runs then, not after every batch.
   */
  let prunedFor: readonly string[] | undefined;
  /** The thread view of the committed state, built once per state (committed states never change). */
  let viewedState: ThreadState | undefined;
  let stateView: ThreadView | undefined;
  const view = (): ThreadView => {
    if (viewedState !== state || stateView === undefined) {
      viewedState = state;
      stateView = threadView(state);
    }
    return stateView;
  };
  const forgetEndedOrigins = (): void => {
    const live = view().live;
    if (live === prunedFor) return;
    prunedFor = live;
    if (origins.size > 0) pruneOrigins(origins, live);
  };
  forgetEndedOrigins();

  const isEvictable = (): boolean =>
    !closed && failure === undefined && mailbox.size === 0 && effects.inFlight() === 0 && wakeAt === undefined && isSettledState(state, view());

  const checkWaiters = (): void => {
    if (hooks.onEvictable && isEvictable()) hooks.onEvictable();
    if (waiters.length === 0) return;
    const idle = mailbox.size === 0 && effects.inFlight() === 0;
    const keep: typeof waiters = [];
    for (const w of waiters) {
      if (failure !== undefined) w.reject(failure);
      else if (closed) w.reject(new RuntimeClosedError());
      else if (idle && (!w.settled || isSettledState(state, view()))) w.resolve(state);
      else keep.push(w);
    }
    waiters = keep;
  };

  /** Stops the runner (first cause wins): effects aborted, waiters and later commands rejected. */
  const stop = (cause: unknown): ThreadStoppedError => {
    if (failure === undefined) {
      failure = isThreadStoppedError(cause) ? cause : new ThreadStoppedError(threadId, cause);
      effects.close();
    }
    return failure;
  };

  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

  /**
   * Decides, appends and commits one batch, answering its messages through `answer`. Throws when
   * the runner must stop: an effect's message failed to decide, `advance` failed, the append failed
   * for another reason than a lost race, or an effect's result was lost to write contention.
   */
  const decideAndAppend = async (batch: RunnerMessage[], answer: (i: number, o: Outcome) => void): Promise<void> => {
    if (batch.some((m) => m.sync)) await reload();
    for (let conflicts = 0; ; conflicts++) {
      const draft = createDraft(state, { ids: env.ids, hashEvery: env.hashEvery, maxEventBytes: env.maxEventBytes });
      const outcomes: Outcome[] = [];
      let correlationId: string | undefined;
      for (const m of batch) {
        const mark = draft.mark();
        try {
          outcomes.push({ ok: true, value: m.decide(withMeta(draft, m)) });
          if (draft.facts.length > mark.length) correlationId = m.correlationId ?? correlationId;
        } catch (error) {
          if (m.done === undefined) throw error; // an effect's result nobody else would hear about
          draft.rollback(mark);
          outcomes.push({ ok: false, error });
        }
      }
      let wakeAtMs: number | undefined;
      // A runtime that does not own the thread adds what follows its own commands only; the owner does the rest.
      if (draft.facts.length > 0 || env.claim.owns()) {
        wakeAtMs = advance(draft, { nowMs: env.clock.now(), actions: env.actions }, correlationId ? { correlationId } : {}).wakeAtMs;
      }
      if (draft.facts.length > 0) {
        draft.seal();
        try {
          await env.store.appendToStream(streamId, toEventData(draft.facts), {
            expectedRevision: state.revision < 0n ? NO_STREAM : state.revision,
          });
        } catch (error) {
          if (closed) {
            batch.forEach((_, i) => answer(i, { ok: false, error }));
            return;
          }
          if (!isWrongExpectedVersionError(error)) throw error;
          if (conflicts + 1 >= MAX_CONFLICTS) {
            const contention = new WriteContentionError(threadId, MAX_CONFLICTS);
            if (batch.some((m) => m.done === undefined)) throw contention;
            batch.forEach((_, i) => answer(i, { ok: false, error: contention }));
            return;
          }
          await reload();
          continue;
        }
        for (const f of draft.facts) {
          hitFaultPoint('appended', f.fact.type);
          noteOrigin(origins, f.fact, f.id, f.correlationId);
          forgetSettledOrigin(origins, f.fact);
        }
        state = draft.state;
        forgetEndedOrigins();
        subject.next(state);
      }
      batch.forEach((_, i) => answer(i, outcomes[i]!));
      if (!closed) {
        effects.reconcile(state);
        effects.arm(wakeAtMs);
        wakeAt = wakeAtMs;
      }
      return;
    }
  };

  const handleBatch = async (batch: RunnerMessage[]): Promise<void> => {
    const answered: boolean[] = [];
    const answer = (i: number, o: Outcome): void => {
      if (answered[i]) return;
      answered[i] = true;
      batch[i]!.done?.(o);
    };
    if (drained || failure !== undefined) {
      const error = failure ?? new RuntimeClosedError();
      batch.forEach((_, i) => answer(i, { ok: false, error }));
      return;
    }
    try {
      await decideAndAppend(batch, answer);
    } catch (cause) {
      const error = stop(cause);
      batch.forEach((_, i) => answer(i, { ok: false, error }));
    }
  };

  /**
   * Folds the facts other writers appended into the committed state. Effects are not reconciled
   * here: the batch being decided may hold results of step attempts whose runs are already over
   * (and forgotten by the effects), and the reloaded state still shows those steps `running`;
   * reconciling now would start them again. The reconcile after the batch's commit sees the outcome.
   */
  const reload = async (): Promise<void> => {
    const folded = await rehydrateThread(env.store, threadId, state.revision >= 0n ? { from: state } : {});
    if (!folded) return;
    for (const [rev, o] of folded.origins) origins.set(rev, o);
    state = folded.state;
    forgetEndedOrigins();
    subject.next(state);
  };

  /** See `close` in ThreadRunner. */
  const drainAndClose = async (): Promise<void> => {
    closed = true;
    checkWaiters();
    await nextTurn();
    effects.hold();
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => (timer = env.clock.setTimeout(resolve, CLOSE_DRAIN_MS)));
    await Promise.race([mailbox.idle(), deadline]);
    env.clock.clearTimeout(timer);
    drained = true;
    effects.close();
    await mailbox.idle();
    subject.complete();
  };

  const mailbox: Mailbox<RunnerMessage> = createMailbox(
    handleBatch,
    (error) => void stop(error),
    checkWaiters,
  );

  const runner: ThreadRunner = new RunnerHandle({
    threadId,
    state: () => state,
    state$: subject.asObservable(),
    origins,
    failure: () => failure,
    evictable: isEvictable,
    command<T>(decide: (draft: Draft) => T, correlationId: string): Promise<T> {
      if (failure !== undefined) return Promise.reject(failure);
      if (closed) return Promise.reject(new RuntimeClosedError());
      return new Promise<T>((resolve, reject) => {
        mailbox.post({
          correlationId,
          causationId: correlationId,
          decide,
          done: (o) => (o.ok ? resolve(o.value as T) : reject(o.error)),
        });
      });
    },
    post(message) {
      if (!drained && failure === undefined) mailbox.post(message);
    },
    whenSettled() {
      return new Promise((resolve, reject) => {
        waiters.push({ settled: true, resolve, reject });
        checkWaiters();
      });
    },
    whenIdle() {
      return new Promise((resolve, reject) => {
        waiters.push({ settled: false, resolve, reject });
        checkWaiters();
      });
    },
    close() {
      return (closing ??= drainAndClose());
    },
    closeIdle() {
      if (!isEvictable()) return false;
      closed = true;
      drained = true;
      closing = Promise.resolve();
      effects.close();
      subject.complete();
      return true;
    },
  });
  const effects: Effects = createEffects(runner, env);
  return runner;
}

/** One event-loop turn (not a time delay): lets the continuations of actions that already finished deliver their results. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
