/**
 * The runtime's public shapes: `RuntimeOptions` (what `createRuntime` takes), `Runtime` (what it
 * returns) and the options and results of its calls. `runtime.ts` builds the runtime.
 */
import type { Observable } from 'rxjs';
import type { InteractionDelta } from './live-deltas.ts';
import type { ActionRegistry } from '../actions/registry.ts';
import type { Clock } from '../core/clock.ts';
import type { IdGenerator } from '../core/ids.ts';
import type { InterruptKind } from '../facts/facts/interaction-facts.ts';
import type { PolicySpec } from '../facts/facts/thread-facts.ts';
import type { BudgetSpec } from '../plan/plan-schema.ts';
import type { Planner } from '../planner/planner.ts';
import type { EventStore } from '../store/event-store.ts';
import type { HolderIdentity, LeaseHolder, LeaseStore } from '../ownership/lease.ts';
import type { ApprovalDecisionOptions, PendingApproval } from './decide-control.ts';
import type { SendResult } from './decide-input.ts';
import type { HashEvery } from './draft.ts';
import type { PolicyFn } from './policies.ts';
import type { RuntimeHistory } from './runtime-history.ts';
import type { SnapshotCache } from '../history/snapshot-cache/snapshot-cache.ts';
import type { ThreadSummary } from './thread-summary.ts';
import type { ThreadView } from '../history/fold/views.ts';

/** Options of `createRuntime`. */
export interface RuntimeOptions {
  store: EventStore;
  actions: ActionRegistry;
  /** Builds the planner of a thread (called once per thread per runtime, lazily, with its view: `planner` descriptor included). */
  plannerFor(thread: ThreadView): Planner;
  /** Default: the system clock. */
  clock?: Clock;
  /** Event ids and generated thread/input ids. Default: `timeOrderedIds()` (UUIDv7, ordered by creation). */
  ids?: IdGenerator;
  /** Absolute workspace root handed to actions. Default: `process.cwd()`. */
  workspace?: string;
  /** Custom concurrency policies by name (`{ kind: 'custom', name }`). */
  policies?: Record<string, PolicyFn>;
  /**
   * Folded snapshots to start rehydration from (only the facts after the snapshot are read). The
   * runtime saves one after every `snapshotEvery` facts and when it closes.
   */
  snapshotCache?: SnapshotCache;
  /** Facts between saved snapshots (with `snapshotCache`). Default 1000. */
  snapshotEvery?: number;
  /**
   * Idle threads kept in memory (least recently used first out), default 256. A thread is idle when
   * its runner is `evictable` (settled, nothing queued or running, no timer wanted), it is held
   * by this runtime (or the runtime only appends), and nobody follows its `state$`. Beyond this
   * many, the least recently used idle thread is evicted: its runner closes, its lease is released and
   * (with `snapshotCache`) its state is saved there; the next command or `load` rehydrates it.
   * `state`/`owner` throw ThreadNotFoundError for an evicted thread, as for one never loaded.
   * 0 evicts every thread as soon as it is idle; `Infinity` never evicts.
   */
  maxIdleThreads?: number;
  /**
   * Which facts carry a `snapshotHash` in their metadata (checked by `replayThread(..., { verify })`):
   * `'append'` (default) the last fact of every append; N ≥ 1 every N-th fact by revision (1: all);
   * 0 never. See `HashEvery` in draft.ts.
   */
  hashEvery?: HashEvery;
  /**
   * Largest fact, UTF-8 bytes of data + metadata JSON: the store's `maxEventBytes` (default 1 MiB,
   * the stores' default). A step output over it is recorded as a failed attempt (OUTPUT_TOO_LARGE),
   * a planner answer over it as a failed planning call (PLAN_TOO_LARGE), a command's fact over it
   * rejects the command with FactTooLargeError.
   */
  maxEventBytes?: number;
  /**
   * Which process runs a thread's effects. Default: a memory lease table per store object (runtimes
   * of this process sharing that store object contend); pass `openLeaseStore(url)` when several
   * processes share a store.
   */
  leases?: LeaseStore;
  /** How this runtime takes part in ownership (see `RuntimeOwnershipOptions`). */
  ownership?: RuntimeOwnershipOptions;
}

/** Ownership settings of a runtime. */
export interface RuntimeOwnershipOptions {
  /** `own` (default): claim the lease of every thread loaded; `append`: never (no effect ever runs). */
  mode?: 'own' | 'append';
  /** Default: this process (`processIdentity()`). */
  identity?: HolderIdentity;
  /** Lease duration, ms (default 8000); renewed every `heartbeatMs` (default ttlMs / 3). */
  ttlMs?: number;
  heartbeatMs?: number;
  /** How often a follower tries to take a lease over, ms (default 1000). */
  retryMs?: number;
}

/** Who runs a loaded thread's effects, as this runtime sees it. */
export interface ThreadOwner {
  /** True when this runtime holds the lease. */
  owned: boolean;
  /** The holder last seen (this runtime's, or another process's), if known. */
  holder?: LeaseHolder;
}

/** Options of `openThread`. */
export interface OpenThreadOptions {
  /** Default: a new UUID. */
  threadId?: string;
  title?: string;
  /** Default `{ kind: 'enqueue' }`. */
  policy?: PolicySpec;
  budget?: { limitUsd: number; warnAt?: number; onExceed?: BudgetSpec['onExceed'] };
  /** Planning iterations per interaction. Default 8. */
  maxIterations?: number;
  /** Recorded so another process can rebuild the planner (never secrets). */
  planner?: { kind: string; config?: unknown };
  /** The first input, appended with ThreadOpened in one append (as `send` would decide it). */
  input?: { text: string; from?: string; inputId?: string };
}

/** Result of `openThread`: the summary, and the first input's decision when one was given. */
export type OpenedThread = ThreadSummary & { sent?: SendResult };

/**
 * The runtime's API. Every thread-level method rejects with ThreadNotFoundError for an unknown
 * thread; `replay` and `fork` (from `RuntimeHistory`) read the store and never load the thread.
 */
export interface Runtime extends RuntimeHistory {
  /** The event store this runtime appends to (read it for facts, subscribe to it to follow them). */
  readonly store: EventStore;
  /** Opens a thread (ThreadOpened, plus the first input's facts in the same append). @throws ThreadExistsError, UnknownPolicyError. */
  openThread(options?: OpenThreadOptions): Promise<OpenedThread>;
  /** Sends input; the policy decides (InputReceived + PolicyApplied + ...). @throws ThreadClosedError, UnknownPolicyError, InvalidPolicyDecisionError. */
  send(threadId: string, text: string, options?: { from?: string; inputId?: string }): Promise<SendResult>;
  /** Grants a pending approval named by approval id or step id; `extendBudgetUsd` also raises the budget in force (USD). @throws UnknownApprovalError, AmbiguousApprovalError, BudgetExtensionError. */
  approve(threadId: string, approvalIdOrStepId: string, options: ApprovalDecisionOptions): Promise<PendingApproval>;
  /** Rejects a pending approval (the step, or the whole plan, is cancelled). Same errors as `approve`. */
  reject(threadId: string, approvalIdOrStepId: string, options: { by: string; reason?: string }): Promise<PendingApproval>;
  /** Cancels one interaction, or every live one; running steps see their AbortSignal. @throws UnknownInteractionError, InteractionStateError, NothingToDoError. */
  cancel(threadId: string, options: { interactionId?: string; reason: string }): Promise<{ cancelled: string[] }>;
  /** Pauses an interaction (Interrupted). @throws UnknownInteractionError, InteractionStateError. */
  interrupt(threadId: string, interactionId: string, options: { kind: InterruptKind; reason?: string; stepId?: string }): Promise<void>;
  /** Resumes one (or every) interrupted interaction. @throws InteractionStateError, NothingToDoError. */
  resume(threadId: string, options?: { interactionId?: string; by?: string }): Promise<{ resumed: string[] }>;
  /** Cancels live interactions and closes the thread (ThreadClosed). */
  closeThread(threadId: string, options?: { reason?: string }): Promise<void>;
  /** Rehydrates the thread from the store (if not in memory) and resumes its pending effects. */
  load(threadId: string): Promise<ThreadSummary>;
  /** The committed state of a thread held in memory. @throws ThreadNotFoundError when not loaded. */
  state(threadId: string): ThreadSummary;
  /** Committed states as they change (current one first). Completes on `close()`. */
  state$(threadId: string): Observable<ThreadSummary>;
  /**
   * The text pieces of the thread's streamed LLM answers as they arrive, from the calls this runtime
   * runs (hot: only pieces after subscribing). Never stored; see `live-deltas.ts`. Completes on `close()`.
   */
  deltas$(threadId: string): Observable<InteractionDelta>;
  /** Resolves when nothing is in flight or runnable (live interactions all wait for a person). */
  whenSettled(threadId: string): Promise<ThreadSummary>;
  /** Resolves when no message or effect is in flight (timers may still be armed). */
  whenIdle(threadId: string): Promise<ThreadSummary>;
  /** Who runs the effects of a loaded thread. @throws ThreadNotFoundError when not loaded. */
  owner(threadId: string): ThreadOwner;
  /**
   * Closes every thread runner gracefully (see `ThreadRunner.close`: results already arrived are
   * recorded, nothing new starts, effects still running are aborted and their results dropped),
   * then gives leases up. Idempotent.
   */
  close(): Promise<void>;
}
