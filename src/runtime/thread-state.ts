/**
 * The pure fold of a thread's facts: ThreadState = the snapshots of the thread machine, of every
 * interaction machine and of every task machine after the facts up to `revision`.
 *
 * How a fact is applied: each machine it concerns (see `applyFact`) takes it with `nextSnapshot`
 * (src/runtime/xstate-adapter.ts: the machine's pure transition through one reused inert actor
 * scope, several times cheaper than xstate's public `transition()`, which builds an actor per call).
 * Effects are never executed (the scope's action executor is a no-op; the machines only `assign`).
 * A fact is accepted by an actor iff the transition returns a different snapshot (xstate returns the
 * same object when no transition is enabled; equivalent to `snapshot.can(fact)` for these machines,
 * whose every enabled transition has a target or an action — checked by the unit tests).
 *
 * Facts that concern only the thread or an interaction copy nothing but the records they change;
 * record copies are shared copy-on-write within one `applyFacts` batch. The tasks record is not
 * copied: a batch derives a new one sharing all but the buckets it writes (task-table.ts).
 */
import { createHash } from 'node:crypto';
import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import { interactionMachine, type InteractionEvent } from '../../machines/interaction.machine.ts';
import { taskMachine } from '../../machines/task.machine.ts';
import { threadMachine } from '../../machines/thread.machine.ts';
import type { Fact, FactOf } from '../facts/fact-types.ts';
import { IllegalTransitionError, ThreadRevisionError } from './errors.ts';
import { actorDigest, xorInto } from './state-digest.ts';
import { logTaskWrite, startTaskLog } from './task-log.ts';
import { deriveTaskRecord, type TaskRecordWriter } from './task-table.ts';
import { initialSnapshot as initial, nextSnapshot } from './xstate-adapter.ts';

/** Snapshots of the three machines, as the fold keeps them. */
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

/** Creates the state of a thread before its first fact (thread machine in `new`). */
export function initialThreadState(threadId: string, options: FoldOptions = {}): ThreadState {
  const machines = options.machines ?? defaultMachines;
  return { threadId, revision: -1n, thread: initial(machines.thread, { threadId }), interactions: {}, tasks: {} };
}

/** A state being built by one apply call: records are copied (tasks: derived) on first write. */
interface Draft extends ThreadState {
  ownInteractions: boolean;
  ownTasks: boolean;
  /** Writes into `tasks` while `ownTasks`. */
  taskWriter?: TaskRecordWriter<TaskSnapshot>;
  /** Snapshot before the batch of every actor it changed (only tracked when hashing incrementally). */
  changed: Map<string, AnySnap | undefined> | undefined;
}

const stateText = (snap: AnySnap | undefined): string => (snap === undefined ? 'missing' : JSON.stringify(snap.value));

function step<S extends AnySnap>(d: Draft, machine: AnyStateMachine, snap: S | undefined, fact: Fact | InteractionEvent, actor: string): S {
  if (snap === undefined) throw new IllegalTransitionError(d.threadId, d.revision, fact.type, actor, 'missing');
  const next = nextSnapshot(machine, snap, fact) as S;
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
  if (!d.ownTasks || d.taskWriter === undefined) {
    const parent = d.tasks;
    d.taskWriter = deriveTaskRecord(parent);
    d.tasks = d.taskWriter.record;
    d.ownTasks = true;
    startTaskLog(d.tasks, parent);
  }
  if (d.changed !== undefined && !d.changed.has(`K:${key}`)) d.changed.set(`K:${key}`, d.tasks[key]);
  d.taskWriter.set(key, snap);
  logTaskWrite(d.tasks, key);
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
        if (before !== undefined) xorInto(acc, actorDigest(key, before));
        const now = current(d, key);
        if (now !== undefined) xorInto(acc, actorDigest(key, now, before));
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

const accCache = new WeakMap<ThreadState, Buffer>();
const pendingHash = new WeakMap<ThreadState, { prevAcc: Buffer; changed: Map<string, AnySnap | undefined> }>();

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
      if (before !== undefined) xorInto(acc, actorDigest(key, before));
      const now = current(state, key);
      if (now !== undefined) xorInto(acc, actorDigest(key, now, before));
    }
    pendingHash.delete(state);
  } else {
    xorInto(acc, actorDigest('T', state.thread));
    for (const [id, s] of Object.entries(state.interactions)) xorInto(acc, actorDigest(`I:${id}`, s));
    for (const [k, s] of Object.entries(state.tasks)) xorInto(acc, actorDigest(`K:${k}`, s));
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
 * (An earlier version made each actor's digest was sha256 of the canonical JSON of `[key, value, context]`, which
 * re-serialised a whole 1 000-step plan on every step fact.)
 */
export function hashThreadState(state: ThreadState): string {
  return createHash('sha256').update(accumulator(state)).digest('hex').slice(0, 16);
}
