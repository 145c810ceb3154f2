/**
 * The pure fold of a thread's facts: ThreadState = the snapshots of the thread machine, of every
 * interaction machine and of every task machine after the facts up to `revision`.
 *
 * How a fact is applied: each machine it concerns (see `applyFact`) takes it with the machine's own
 * pure `transition(snapshot, event, actorScope)` (the ActorLogic method xstate's exported
 * `transition()` wraps) through ONE inert actor scope per machine, created once and reused: xstate's
 * `transition()` builds a throwaway actor per call (~20 µs/call measured here) while the reused
 * scope costs ~3.5 µs/call, less than a long-lived actor's `send` (~4.9 µs, and it is mutable).
 * Effects are never executed (the scope's action executor is a no-op; the machines only `assign`).
 * A fact is accepted by an actor iff the transition returns a different snapshot (xstate returns the
 * same object when no transition is enabled; equivalent to `snapshot.can(fact)` for these machines,
 * whose every enabled transition has a target or an action — checked by the unit tests).
 *
 * Facts that concern only the thread or an interaction copy nothing but the records they change;
 * record copies are shared copy-on-write within one `applyFacts` batch.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { createActor, type ActorScope, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import { interactionMachine, type InteractionEvent } from '../../machines/interaction.machine.ts';
import { taskMachine } from '../../machines/task.machine.ts';
import { threadMachine } from '../../machines/thread.machine.ts';
import type { Fact, FactOf } from '../events/fact-types.ts';
import { IllegalTransitionError, ThreadRevisionError } from './errors.ts';

export type ThreadSnapshot = SnapshotFrom<typeof threadMachine>;
export type InteractionSnapshot = SnapshotFrom<typeof interactionMachine>;
export type TaskSnapshot = SnapshotFrom<typeof taskMachine>;

/** Folded state of one thread at `revision`. Treat as immutable: every apply returns a new object. */
export interface ThreadState {
  threadId: string;
  /** Last applied revision; -1n when none. */
  revision: bigint;
  thread: ThreadSnapshot;
  interactions: Record<string, InteractionSnapshot>;
  /** Key `taskKey(interactionId, planId, stepId)`. */
  tasks: Record<string, TaskSnapshot>;
}

/** The machines a fold runs. Replaying with another set (e.g. changed code) is how divergence is tested. */
export interface MachineSet {
  thread: typeof threadMachine;
  interaction: typeof interactionMachine;
  task: typeof taskMachine;
}

/** The project's machines. */
export const defaultMachines: MachineSet = { thread: threadMachine, interaction: interactionMachine, task: taskMachine };

/** Options of the fold functions. */
export interface FoldOptions {
  /** Machines to fold with (default `defaultMachines`). Must be the set the state was built with. */
  machines?: MachineSet;
}

/** Key of a task actor: `${interactionId}/${planId}/${stepId}`. */
export function taskKey(interactionId: string, planId: string, stepId: string): string {
  return `${interactionId}/${planId}/${stepId}`;
}

type AnySnap = ThreadSnapshot | InteractionSnapshot | TaskSnapshot;
const scopes = new WeakMap<AnyStateMachine, ActorScope<never, never>>();

/** The reusable inert actor scope of `machine` (no-op effects, same shape as xstate's own inert scope). */
export function inertScope(machine: AnyStateMachine): ActorScope<never, never> {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    const self = createActor(machine);
    scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: () => {},
    } as unknown as ActorScope<never, never>;
    scopes.set(machine, scope);
  }
  return scope;
}

/** Initial snapshot of `machine` with `input` (pure, no effects). */
function initial<M extends AnyStateMachine>(machine: M, input: unknown): SnapshotFrom<M> {
  return machine.getInitialSnapshot(inertScope(machine) as never, input) as SnapshotFrom<M>;
}

/** Creates the state of a thread before its first fact (thread machine in `new`). */
export function initialThreadState(threadId: string, options: FoldOptions = {}): ThreadState {
  const machines = options.machines ?? defaultMachines;
  return { threadId, revision: -1n, thread: initial(machines.thread, { threadId }), interactions: {}, tasks: {} };
}

/** A state being built by one apply call: records are copied on first write. */
interface Draft extends ThreadState {
  ownInteractions: boolean;
  ownTasks: boolean;
  /** Snapshot before the batch of every actor it changed (only tracked when hashing incrementally). */
  changed: Map<string, AnySnap | undefined> | undefined;
}

const stateText = (snap: AnySnap | undefined): string => (snap === undefined ? 'missing' : JSON.stringify(snap.value));

function step<S extends AnySnap>(d: Draft, machine: AnyStateMachine, snap: S | undefined, fact: Fact | InteractionEvent, actor: string): S {
  if (snap === undefined) throw new IllegalTransitionError(d.threadId, d.revision, fact.type, actor, 'missing');
  const next = machine.transition(snap as never, fact, inertScope(machine) as never) as S;
  if (next === snap || next.status === 'error') {
    throw new IllegalTransitionError(d.threadId, d.revision, fact.type, actor, stateText(snap));
  }
  return next;
}

function stepThread(d: Draft, m: MachineSet, fact: Fact): void {
  const next = step(d, m.thread, d.thread, fact, 'thread');
  if (d.changed !== undefined && !d.changed.has('T')) d.changed.set('T', d.thread);
  d.thread = next;
}

/**
 * A copy of a record. A key loop: V8 copies a large dictionary-mode object (thousands of task keys)
 * about 3× faster this way than with spread or Object.assign.
 */
function copyRecord<V>(rec: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  const keys = Object.keys(rec);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = rec[keys[i]!]!;
  return out;
}

function setInteraction(d: Draft, id: string, snap: InteractionSnapshot): void {
  if (!d.ownInteractions) {
    d.interactions = copyRecord(d.interactions);
    d.ownInteractions = true;
  }
  if (d.changed !== undefined && !d.changed.has(`I:${id}`)) d.changed.set(`I:${id}`, d.interactions[id]);
  d.interactions[id] = snap;
}

function stepInteraction(d: Draft, m: MachineSet, id: string, fact: InteractionEvent): void {
  setInteraction(d, id, step(d, m.interaction, d.interactions[id], fact, `interaction:${id}`));
}

function setTask(d: Draft, key: string, snap: TaskSnapshot): void {
  if (!d.ownTasks) {
    const parent = d.tasks;
    d.tasks = copyRecord(parent);
    d.ownTasks = true;
    taskLogs.set(d.tasks, { parent: logOf(parent), keys: [] });
  }
  if (d.changed !== undefined && !d.changed.has(`K:${key}`)) d.changed.set(`K:${key}`, d.tasks[key]);
  d.tasks[key] = snap;
  taskLogs.get(d.tasks)?.keys.push(key);
}

// ---- task change log ----------------------------------------------------------------------------

/**
 * Which task keys the fold wrote into a tasks record, in order, and the record it was copied from
 * (with that record's log length at the time): lets a reader that saw an earlier record (or the same
 * record earlier, through a fold session's `peek`) find what changed in O(changes) instead of
 * comparing every task. Records the fold did not create (restored from a snapshot cache, built by
 * hand) have no log until copied: readers fall back to a full comparison.
 */
interface TaskLog {
  parent: { log: TaskLog; length: number } | undefined;
  keys: string[];
}
const taskLogs = new WeakMap<Record<string, TaskSnapshot>, TaskLog>();

function logOf(rec: Record<string, TaskSnapshot>): { log: TaskLog; length: number } {
  let log = taskLogs.get(rec);
  if (log === undefined) taskLogs.set(rec, (log = { parent: undefined, keys: [] }));
  return { log, length: log.keys.length };
}

/** A position in the task change log: the tasks record of a state and how many writes it had then. */
export interface TaskLogMark {
  readonly log: object;
  readonly length: number;
}

/** The current position of `tasks` in the change log (see `taskKeysChangedSince`). */
export function taskLogMark(tasks: Record<string, TaskSnapshot>): TaskLogMark {
  return logOf(tasks);
}

/** Ancestors searched by `taskKeysChangedSince` before it gives up. */
const MAX_LOG_DEPTH = 64;

/**
 * Task keys written (possibly with repeats, possibly with the same snapshot) between `mark` and the
 * current content of `tasks`, or undefined when the log cannot tell (another lineage, too far back):
 * then the caller compares every task.
 */
export function taskKeysChangedSince(tasks: Record<string, TaskSnapshot>, mark: TaskLogMark): string[] | undefined {
  const chain: Array<{ log: TaskLog; from: number; to: number }> = [];
  let log = taskLogs.get(tasks);
  let to = log?.keys.length ?? 0;
  for (let depth = 0; log !== undefined && depth < MAX_LOG_DEPTH; depth++) {
    if (log === mark.log) {
      if (mark.length > to) return undefined;
      chain.push({ log, from: mark.length, to });
      const out: string[] = [];
      for (let i = chain.length - 1; i >= 0; i--) {
        const c = chain[i]!;
        for (let k = c.from; k < c.to; k++) out.push(c.log.keys[k]!);
      }
      return out;
    }
    chain.push({ log, from: 0, to });
    if (log.parent === undefined) return undefined;
    to = log.parent.length;
    log = log.parent.log;
  }
  return undefined;
}

function stepTask(d: Draft, m: MachineSet, data: { interactionId: string; planId: string; stepId: string }, fact: Fact): void {
  const key = taskKey(data.interactionId, data.planId, data.stepId);
  setTask(d, key, step(d, m.task, d.tasks[key], fact, `task:${key}`));
}

const isLive = (snap: InteractionSnapshot | undefined): boolean => snap !== undefined && snap.status === 'active';

/** StepCancelled annotated with the approval its task was waiting for (the interaction drops it). */
function withApproval(fact: FactOf<'StepCancelled'>, task: TaskSnapshot | undefined): InteractionEvent {
  const approval = task?.context.approval;
  if (task?.value !== 'waiting_approval' || approval?.status !== 'requested') return fact;
  return { ...fact, pendingApprovalId: approval.approvalId };
}

/**
 * Routes one fact to the actors it concerns, in this order (all must accept):
 * thread-only facts (ThreadOpened/Forked/Closed, InputReceived, PolicyApplied, BudgetWarned,
 * BudgetExtended without interactionId) → thread; InteractionStarted → thread, then creates the
 * interaction; interaction-ending facts → interaction + thread; PlannerResponded/PlannerFailed →
 * interaction + thread (cost); other interaction facts → interaction; PlanAccepted → interaction,
 * then creates one task per step; StepReady/StepProgressed → task; StepStarted → task + interaction
 * + thread (reservation); StepCompleted/final StepFailed/StepCancelled → task + interaction (its
 * observation; skipped once the interaction has ended, so a step aborted by a cancel can still settle;
 * a StepCancelled of a task waiting for approval reaches the interaction annotated with that
 * approval's id, `pendingApprovalId`, so the interaction withdraws it) + thread (cost); a retrying StepFailed → task + thread; approvals → interaction (+ task when stepId).
 */
function route(d: Draft, m: MachineSet, fact: Fact): void {
  switch (fact.type) {
    case 'ThreadOpened':
    case 'ThreadForked':
    case 'ThreadClosed':
    case 'InputReceived':
    case 'PolicyApplied':
    case 'BudgetWarned':
      return stepThread(d, m, fact);
    case 'BudgetExtended':
      return fact.data.interactionId === undefined ? stepThread(d, m, fact) : stepInteraction(d, m, fact.data.interactionId, fact);
    case 'InteractionStarted': {
      stepThread(d, m, fact);
      const id = fact.data.interactionId;
      if (d.interactions[id] !== undefined) {
        throw new IllegalTransitionError(d.threadId, d.revision, fact.type, `interaction:${id}`, 'exists');
      }
      return setInteraction(d, id, initial(m.interaction, fact.data));
    }
    case 'InteractionCompleted':
    case 'InteractionFailed':
    case 'InteractionCancelled':
    case 'PlannerResponded':
    case 'PlannerFailed':
      stepInteraction(d, m, fact.data.interactionId, fact);
      return stepThread(d, m, fact);
    case 'InputMerged':
    case 'PlanningRequested':
    case 'PlanRejected':
    case 'PlanFinished':
    case 'InputRequested':
    case 'Interrupted':
    case 'Resumed':
      return stepInteraction(d, m, fact.data.interactionId, fact);
    case 'PlanAccepted': {
      const { interactionId, planId, plan } = fact.data;
      stepInteraction(d, m, interactionId, fact);
      for (const s of plan.steps) {
        const key = taskKey(interactionId, planId, s.id);
        if (d.tasks[key] !== undefined) throw new IllegalTransitionError(d.threadId, d.revision, fact.type, `task:${key}`, 'exists');
        setTask(d, key, initial(m.task, { interactionId, planId, step: s }));
      }
      return;
    }
    case 'StepReady':
    case 'StepProgressed':
      return stepTask(d, m, fact.data, fact);
    case 'StepStarted':
      stepTask(d, m, fact.data, fact);
      stepInteraction(d, m, fact.data.interactionId, fact);
      return stepThread(d, m, fact);
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepCancelled': {
      const before = d.tasks[taskKey(fact.data.interactionId, fact.data.planId, fact.data.stepId)];
      stepTask(d, m, fact.data, fact);
      const finalOutcome = fact.type !== 'StepFailed' || fact.data.retryAtMs === null;
      if (finalOutcome && isLive(d.interactions[fact.data.interactionId])) {
        stepInteraction(d, m, fact.data.interactionId, fact.type === 'StepCancelled' ? withApproval(fact, before) : fact);
      }
      return stepThread(d, m, fact);
    }
    case 'ApprovalRequested':
    case 'ApprovalGranted':
    case 'ApprovalRejected':
      stepInteraction(d, m, fact.data.interactionId, fact);
      if (fact.data.stepId !== undefined) stepTask(d, m, { ...fact.data, stepId: fact.data.stepId }, fact);
      return;
    default: {
      const unknown = fact as { type: string };
      throw new IllegalTransitionError(d.threadId, d.revision, unknown.type, 'none', 'unknown fact type');
    }
  }
}

function foldInto(state: ThreadState, facts: readonly Fact[], firstRevision: bigint, options: FoldOptions): ThreadState {
  if (firstRevision !== state.revision + 1n) {
    throw new ThreadRevisionError(state.threadId, firstRevision, `fact applied out of order: the state is at revision ${state.revision}`);
  }
  const m = options.machines ?? defaultMachines;
  const prevAcc = accCache.get(state);
  const d: Draft = { ...state, ownInteractions: false, ownTasks: false, changed: prevAcc === undefined ? undefined : new Map() };
  for (let i = 0; i < facts.length; i++) {
    d.revision = firstRevision + BigInt(i);
    route(d, m, facts[i]!);
  }
  const next: ThreadState = { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, tasks: d.tasks };
  if (prevAcc !== undefined && d.changed !== undefined) pendingHash.set(next, { prevAcc, changed: d.changed });
  return next;
}

/**
 * Applies one fact at `revision` to every actor it concerns (see the routing above); returns a NEW
 * state (the input is untouched).
 * @throws IllegalTransitionError an actor it targets does not accept it, does not exist, or (creation
 *   facts) already exists.
 * @throws ThreadRevisionError `revision` is not `state.revision + 1`.
 */
export function applyFact(state: ThreadState, fact: Fact, revision: bigint, options: FoldOptions = {}): ThreadState {
  return foldInto(state, [fact], revision, options);
}

/** Applies a batch at revisions `state.revision + 1, +2, …`; all or nothing. Same errors as applyFact. */
export function applyFacts(state: ThreadState, facts: readonly Fact[], options: FoldOptions = {}): ThreadState {
  if (facts.length === 0) return state;
  return foldInto(state, facts, state.revision + 1n, options);
}

/** A mutable fold over many facts (see `foldSession`). */
export interface FoldSession {
  /** Applies the next fact (revision = current + 1). After a throw the session must be dropped. */
  apply(fact: Fact): void;
  /** Hash of the current state (as hashThreadState); O(actors changed since the last call). Needs `hashing`. */
  hash(): string;
  /** The current state as an immutable ThreadState; the session stays usable (it copies records again on the next write). */
  state(): ThreadState;
  /**
   * The current state for reading at once, without sealing it: its records are the session's own and
   * change on the next `apply`, so it must not be kept, hashed or compared across applies (use
   * `state()` for that). Costs nothing: reading between applies does not force the next apply to
   * copy the interaction/task records.
   */
  peek(): ThreadState;
}

/**
 * A fold session: applies facts one at a time without copying the interaction/task records per fact
 * (they are copied once, on the first write after creation or after `state()`), and, with `hashing`,
 * keeps the state hash up to date incrementally. This is what verified replay uses: applyFact +
 * hashThreadState per fact would copy the task record once per fact (quadratic on long threads).
 */
export function foldSession(start: ThreadState, options: FoldOptions & { hashing?: boolean } = {}): FoldSession {
  const m = options.machines ?? defaultMachines;
  const d: Draft = { ...start, ownInteractions: false, ownTasks: false, changed: options.hashing ? new Map() : undefined };
  const acc: Buffer | undefined = options.hashing ? Buffer.from(accumulator(start)) : undefined;
  let peeked: ThreadState | undefined;
  return {
    apply(fact) {
      peeked = undefined;
      d.revision += 1n;
      route(d, m, fact);
    },
    peek() {
      peeked ??= { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, tasks: d.tasks };
      return peeked;
    },
    hash() {
      if (acc === undefined || d.changed === undefined) throw new Error('foldSession: created without hashing');
      for (const [key, before] of d.changed) {
        if (before !== undefined) xorInto(acc, digest(key, before));
        const now = current(d, key);
        if (now !== undefined) xorInto(acc, digest(key, now, before));
      }
      d.changed.clear();
      return createHash('sha256').update(acc).digest('hex').slice(0, 16);
    },
    state() {
      const out: ThreadState = { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, tasks: d.tasks };
      d.ownInteractions = false;
      d.ownTasks = false;
      if (acc !== undefined && d.changed !== undefined && d.changed.size === 0) accCache.set(out, Buffer.from(acc));
      return out;
    },
  };
}

// ---- hashing ----------------------------------------------------------------------------------

/** JSON with object keys sorted (recursively), `undefined` properties omitted: a stable text of plain data. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== 'function') parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

const digests = new WeakMap<object, Buffer>();
const accCache = new WeakMap<ThreadState, Buffer>();
const pendingHash = new WeakMap<ThreadState, { prevAcc: Buffer; changed: Map<string, AnySnap | undefined> }>();

/** Digest text of plain objects and arrays, memoised by identity (snapshot data is never mutated). */
const valueDigests = new WeakMap<object, string>();
/** Chain value of arrays (see `arrayDigest`), so an array extended by appends is hashed from its prefix. */
const arrayChains = new WeakMap<readonly unknown[], Buffer>();
const EMPTY_CHAIN = createHash('sha256').update('[').digest();

/**
 * Digest text of a plain-data value: primitives are their JSON text; objects `#` + hex sha256 of
 * their canonical JSON; arrays `@` + hex of a hash chain over their items' digest texts
 * (c₀ = sha256('['), cᵢ₊₁ = sha256(cᵢ ‖ digest(itemᵢ))). Both depend on content only. `hint`: an
 * earlier version of the same field; when `value` starts with the hint's items (same objects), the
 * chain continues from the hint's, so appending to a long list costs O(items added).
 */
function valueDigest(value: unknown, hint?: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const known = valueDigests.get(value);
  if (known !== undefined) return known;
  let d: string;
  if (Array.isArray(value)) d = `@${arrayDigest(value, Array.isArray(hint) ? hint : undefined).toString('hex')}`;
  else {
    const keys = Object.keys(value);
    d =
      keys.length >= RECORD_KEYS
        ? `%${recordDigest(value as Record<string, unknown>, keys, hint).toString('hex')}`
        : `#${smallDigest(canonicalJson(value))}`;
  }
  valueDigests.set(value, d);
  return d;
}

/**
 * Hex sha256 of the canonical text of a small object, memoised by text (the same small values — `{}`
 * outputs, a step's error, an approval — recur across thousands of tasks; identity memoisation
 * misses them because each snapshot holds its own copy). Bounded: cleared past SMALL_MEMO_MAX entries.
 */
const smallDigests = new Map<string, string>();
const SMALL_MEMO_MAX = 4096;
const SMALL_TEXT_MAX = 256;
function smallDigest(text: string): string {
  if (text.length > SMALL_TEXT_MAX) return oneShotHash('sha256', text, 'hex');
  let d = smallDigests.get(text);
  if (d === undefined) {
    if (smallDigests.size >= SMALL_MEMO_MAX) smallDigests.clear();
    d = oneShotHash('sha256', text, 'hex');
    smallDigests.set(text, d);
  }
  return d;
}

/** Objects with at least this many keys are digested as a set of entries (`recordDigest`). */
const RECORD_KEYS = 16;
/** XOR of the entry digests of records (see `recordDigest`). */
const recordSums = new WeakMap<object, { sum: Buffer; entries: Map<string, Buffer> }>();

const entryDigest = (k: string, v: unknown): Buffer => oneShotHash('sha256', `${JSON.stringify(k)}:${valueDigest(v)}`, 'buffer');

/**
 * Digest of an object with many keys (e.g. the thread's reservations by task): the XOR of
 * sha256(`<key JSON>:<valueDigest>`) over its entries (undefined values and functions skipped).
 * Given `hint`, an earlier version, only the entries that differ are hashed.
 */
function recordDigest(rec: Record<string, unknown>, keys: string[], hint: unknown): Buffer {
  const prev = hint !== null && typeof hint === 'object' && !Array.isArray(hint) ? recordSums.get(hint) : undefined;
  const included = (v: unknown): boolean => v !== undefined && typeof v !== 'function';
  let sum: Buffer;
  const entries = new Map<string, Buffer>();
  if (prev === undefined) {
    sum = Buffer.alloc(32);
    for (const k of keys) {
      const v = rec[k];
      if (!included(v)) continue;
      const e = entryDigest(k, v);
      entries.set(k, e);
      xorInto(sum, e);
    }
  } else {
    sum = Buffer.from(prev.sum);
    const old = hint as Record<string, unknown>;
    for (const [k, e] of prev.entries) {
      if (!Object.hasOwn(rec, k) || !included(rec[k])) xorInto(sum, e); // removed
    }
    for (const k of keys) {
      const v = rec[k];
      if (!included(v)) continue;
      const was = prev.entries.get(k);
      if (was !== undefined && old[k] === v) {
        entries.set(k, was);
        continue;
      }
      if (was !== undefined) xorInto(sum, was); // changed
      const e = entryDigest(k, v);
      entries.set(k, e);
      xorInto(sum, e);
    }
  }
  recordSums.set(rec, { sum, entries });
  return sum;
}

function arrayDigest(items: readonly unknown[], hint: readonly unknown[] | undefined): Buffer {
  let chain: Buffer = EMPTY_CHAIN;
  let from = 0;
  const base = hint === undefined ? undefined : arrayChains.get(hint);
  if (base !== undefined && hint!.length <= items.length) {
    let i = 0;
    while (i < hint!.length && items[i] === hint![i]) i++;
    if (i === hint!.length) {
      chain = base;
      from = i;
    }
  }
  for (let i = from; i < items.length; i++) {
    const item = items[i];
    chain = createHash('sha256').update(chain).update(item === undefined ? 'null' : valueDigest(item)).digest();
  }
  arrayChains.set(items, chain);
  return chain;
}

/** Sorted keys (with their JSON text) of the contexts seen, by key list: a machine's contexts share a few key lists. */
const sortedKeyLists = new Map<string, ReadonlyArray<readonly [string, string]>>();

/** `Object.keys(ctx).sort()`, each with `JSON.stringify(key)`, memoised by the key list (bounded). */
function sortedKeys(ctx: Record<string, unknown>): ReadonlyArray<readonly [string, string]> {
  const keys = Object.keys(ctx);
  const signature = keys.join('\u0000');
  let sorted = sortedKeyLists.get(signature);
  if (sorted === undefined) {
    if (sortedKeyLists.size >= SMALL_MEMO_MAX) sortedKeyLists.clear();
    sorted = keys.sort().map((k) => [k, JSON.stringify(k)] as const);
    sortedKeyLists.set(signature, sorted);
  }
  return sorted;
}

/**
 * Digest of one actor: sha256 of `<actorKey JSON>|<canonical value>|` followed by, for each context
 * field in key order (undefined and functions skipped), `<key JSON>:<valueDigest>,`. Fields are
 * digested separately and memoised, so a fact that changes two fields of a large context (e.g. an
 * interaction holding a 1 000-step plan and its observations) re-hashes only those two (and an
 * appended list only its new items, given `before`, the actor's previous snapshot).
 */
function digest(key: string, snap: AnySnap, before?: AnySnap): Buffer {
  let d = digests.get(snap);
  if (d === undefined) {
    const ctx = snap.context as unknown as Record<string, unknown>;
    const hint = before?.context as unknown as Record<string, unknown> | undefined;
    let text = `${JSON.stringify(key)}|${typeof snap.value === 'string' ? JSON.stringify(snap.value) : canonicalJson(snap.value)}|`;
    for (const [k, quoted] of sortedKeys(ctx)) {
      const v = ctx[k];
      if (v === undefined || typeof v === 'function') continue;
      text += `${quoted}:${valueDigest(v, hint?.[k])},`;
    }
    d = oneShotHash('sha256', text, 'buffer');
    digests.set(snap, d);
  }
  return d;
}

function xorInto(acc: Buffer, d: Buffer): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! ^ d[i]!;
}

function current(state: ThreadState, key: string): AnySnap | undefined {
  if (key === 'T') return state.thread;
  return key.startsWith('I:') ? state.interactions[key.slice(2)] : state.tasks[key.slice(2)];
}

function accumulator(state: ThreadState): Buffer {
  const cached = accCache.get(state);
  if (cached !== undefined) return cached;
  const pending = pendingHash.get(state);
  const acc = Buffer.alloc(32);
  if (pending !== undefined) {
    pending.prevAcc.copy(acc);
    for (const [key, before] of pending.changed) {
      if (before !== undefined) xorInto(acc, digest(key, before));
      const now = current(state, key);
      if (now !== undefined) xorInto(acc, digest(key, now, before));
    }
    pendingHash.delete(state);
  } else {
    xorInto(acc, digest('T', state.thread));
    for (const [id, s] of Object.entries(state.interactions)) xorInto(acc, digest(`I:${id}`, s));
    for (const [k, s] of Object.entries(state.tasks)) xorInto(acc, digest(`K:${k}`, s));
  }
  accCache.set(state, acc);
  return acc;
}

/**
 * Short stable hash of a state: 16 hex chars of sha256 over the XOR of one digest per actor (see
 * `digest`: its key `T`, `I:<interactionId>` or `K:<taskKey>`, its state value and a digest of each
 * context field). An XOR set-hash, so the hash after a fact is updated from the previous state's in
 * O(actors changed) when that one was hashed, and per actor O(fields changed): hashing after every
 * fact stays cheap on long threads and large plans. The revision is not part of it.
 * (Until H12 each actor's digest was sha256 of the canonical JSON of `[key, value, context]`, which
 * re-serialised a whole 1 000-step plan on every step fact.)
 */
export function hashThreadState(state: ThreadState): string {
  return createHash('sha256').update(accumulator(state)).digest('hex').slice(0, 16);
}
