/**
 * What a thread runner is (`ThreadRunner`), and the object `createThreadRunner` returns over its closures.
 */
import type { Observable } from 'rxjs';
import type { FactOrigin } from '../history/effect-keys.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import type { ThreadStoppedError } from './command-errors.ts';
import type { Draft } from './draft.ts';
import type { RunnerMessage } from './runner-message.ts';

/** A thread held in memory by a runtime. */
export interface ThreadRunner {
  readonly threadId: string;
  /** The committed state (the last appended revision). */
  readonly state: ThreadState;
  readonly state$: Observable<ThreadState>;
  /** Runs `decide` through the mailbox; resolves with its value once the facts are appended. */
  command<T>(decide: (draft: Draft) => T, correlationId: string): Promise<T>;
  /** Why the runner stopped (see ThreadStoppedError), or undefined while it runs. */
  readonly failure: ThreadStoppedError | undefined;
  /** Posts a message (effects use it for their results). Ignored once stopped, or once the drain of `close` is over. */
  post(message: RunnerMessage): void;
  /** Resolves when nothing is in flight or runnable (see `isSettledState`); rejects with ThreadStoppedError once the runner stopped. */
  whenSettled(): Promise<ThreadState>;
  /** Resolves when the mailbox is empty and no planner call or step runs (timers may be armed). */
  whenIdle(): Promise<ThreadState>;
  /** Origins (event id, correlation) of facts that requested effects, by `effectKey`; those of ended interactions are dropped. */
  readonly origins: Map<string, FactOrigin>;
  /**
   * True when the runner holds nothing that exists only in memory: it runs (not stopped, not
   * closing), its mailbox is empty, no planner call or step runs, no wake-up timer is wanted (the
   * last scheduler pass asked for none) and the state is settled (`isSettledState`). Such a runner
   * can be closed and rebuilt from the store later with no difference (see `RuntimeOptions.maxIdleThreads`).
   */
  readonly evictable: boolean;
  /**
   * Closes gracefully: refuses new commands and starts no effect; records the messages already
   * queued (finished step attempts, planner answers, commands) within `CLOSE_DRAIN_MS`; then aborts
   * the effects still running (their results are dropped) and refuses further messages. Resolves
   * once the batch being appended is done. Idempotent (every call gets the same promise).
   */
  close(): Promise<void>;
  /**
   * Closes at once, when `evictable` (nothing to record or abort, so no drain), and returns true;
   * otherwise does nothing and returns false. Later commands reject with RuntimeClosedError.
   */
  closeIdle(): boolean;
}

/** A runner's closures, `state`, `failure` and `evictable` as functions (a plain object: one hidden class for every runner). */
export interface RunnerCore extends Omit<ThreadRunner, 'state' | 'failure' | 'evictable'> {
  state(): ThreadState;
  failure(): ThreadStoppedError | undefined;
  evictable(): boolean;
}

/**
 * The ThreadRunner over its closures. A class, because a runner is kept per thread in memory and an
 * object literal with getters gets a hidden class (and a property dictionary) of its own per instance.
 */
export class RunnerHandle implements ThreadRunner {
  readonly threadId: string;
  readonly state$: Observable<ThreadState>;
  readonly origins: Map<string, FactOrigin>;
  private readonly core: RunnerCore;

  constructor(core: RunnerCore) {
    this.core = core;
    this.threadId = core.threadId;
    this.state$ = core.state$;
    this.origins = core.origins;
  }

  get state(): ThreadState {
    return this.core.state();
  }

  get failure(): ThreadStoppedError | undefined {
    return this.core.failure();
  }

  get evictable(): boolean {
    return this.core.evictable();
  }

  command<T>(decide: (draft: Draft) => T, correlationId: string): Promise<T> {
    return this.core.command(decide, correlationId);
  }

  post(message: RunnerMessage): void {
    this.core.post(message);
  }

  whenSettled(): Promise<ThreadState> {
    return this.core.whenSettled();
  }

  whenIdle(): Promise<ThreadState> {
    return this.core.whenIdle();
  }

  close(): Promise<void> {
    return this.core.close();
  }

  closeIdle(): boolean {
    return this.core.closeIdle();
  }
}
