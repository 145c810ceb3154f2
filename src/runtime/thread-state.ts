/**
 * The pure fold of a thread's facts: ThreadState = the snapshots of the thread machine, of every
 * interaction machine and of every step machine after the facts up to `revision`.
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
 * record copies are shared copy-on-write within one `applyFacts` batch. The steps record is not
 * copied: a batch derives a new one sharing all but the buckets it writes (step-table.ts).
 */
import { createHash } from 'node:crypto';
import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import { interactionMachine, type InteractionEvent } from '../../machines/interaction.machine.ts';
import { stepMachine } from '../../machines/step.machine.ts';
import { threadMachine } from '../../machines/thread.machine.ts';
import type { Fact, FactOf } from '../facts/fact-types.ts';
import { IllegalTransitionError, ThreadRevisionError } from './errors.ts';
import { actorDigest, xorInto } from './state-digest.ts';
import { logStepWrite, startStepLog } from './step-log.ts';
import { deriveStepRecord, type StepRecordWriter } from './step-table.ts';
import { initialSnapshot as initial, nextSnapshot } from './xstate-adapter.ts';

/** Snapshots of the three machines, as the fold keeps them. */
export type ThreadSnapshot = SnapshotFrom<typeof threadMachine>;
export type InteractionSnapshot = SnapshotFrom<typeof interactionMachine>;
export type StepSnapshot = SnapshotFrom<typeof stepMachine>;

/** Folded state of one thread at `revision`. Treat as immutable: every apply returns a new object. */
export interface ThreadState {
  threadId: string;
  /** Last applied revision; -1n when none. */
  revision: bigint;
  thread: ThreadSnapshot;
  interactions: Record<string, InteractionSnapshot>;
  /** Key `stepKey(interactionId, planId, stepId)`. */
  steps: Record<string, StepSnapshot>;
}

/** The machines a fold runs. Replaying with another set (e.g. changed code) is how divergence is tested. */
export interface MachineSet {
  thread: typeof threadMachine;
  interaction: typeof interactionMachine;
  step: typeof stepMachine;
}

/** The project's machines. */
export const defaultMachines: MachineSet = { thread: threadMachine, interaction: interactionMachine, step: stepMachine };

/** Options of the fold functions. */
export interface FoldOptions {
  /** Machines to fold with (default `defaultMachines`). Must be the set the state was built with. */
  machines?: MachineSet;
}

/** Key of a step actor: `${interactionId}/${planId}/${stepId}`. */
export function stepKey(interactionId: string, planId: string, stepId: string): string {
  return `${interactionId}/${planId}/${stepId}`;
}

type AnySnap = ThreadSnapshot | InteractionSnapshot | StepSnapshot;

/** Creates the state of a thread before its first fact (thread machine in `new`). */
export function initialThreadState(threadId: string, options: FoldOptions = {}): ThreadState {
  const machines = options.machines ?? defaultMachines;
  return { threadId, revision: -1n, thread: initial(machines.thread, { threadId }), interactions: {}, steps: {} };
}

/** A state being built by one apply call: records are copied (steps: derived) on first write. */
interface Draft extends ThreadState {
  ownInteractions: boolean;
  ownSteps: boolean;
  /** Writes into `steps` while `ownSteps`. */
  stepWriter?: StepRecordWriter<StepSnapshot>;
  /** Snapshot before the batch of every actor it changed (only tracked when hashing incrementally). */
  changed: Map<string, AnySnap | undefined> | undefined;
}

const stateText = (snap: AnySnap | undefined): string => (snap === undefined ? 'missing' : JSON.stringify(snap.value));

/** The actor's snapshot after `fact`. @throws IllegalTransitionError when the actor is missing or refuses the fact. */
function advanceActor<S extends AnySnap>(d: Draft, machine: AnyStateMachine, snap: S | undefined, fact: Fact | InteractionEvent, actor: string): S {
  if (snap === undefined) throw new IllegalTransitionError(d.threadId, d.revision, fact.type, actor, 'missing');
  const next = nextSnapshot(machine, snap, fact) as S;
  if (next === snap || next.status === 'error') {
    throw new IllegalTransitionError(d.threadId, d.revision, fact.type, actor, stateText(snap));
  }
  return next;
}

function sendToThread(d: Draft, m: MachineSet, fact: Fact): void {
  const next = advanceActor(d, m.thread, d.thread, fact, 'thread');
  if (d.changed !== undefined && !d.changed.has('T')) d.changed.set('T', d.thread);
  d.thread = next;
}

/**
 * A copy of a record. A key loop: V8 copies a large dictionary-mode object (thousands of step keys)
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

function sendToInteraction(d: Draft, m: MachineSet, id: string, fact: InteractionEvent): void {
  setInteraction(d, id, advanceActor(d, m.interaction, d.interactions[id], fact, `interaction:${id}`));
}

function setStep(d: Draft, key: string, snap: StepSnapshot): void {
  if (!d.ownSteps || d.stepWriter === undefined) {
    const parent = d.steps;
    d.stepWriter = deriveStepRecord(parent);
    d.steps = d.stepWriter.record;
    d.ownSteps = true;
    startStepLog(d.steps, parent);
  }
  if (d.changed !== undefined && !d.changed.has(`K:${key}`)) d.changed.set(`K:${key}`, d.steps[key]);
  d.stepWriter.set(key, snap);
  logStepWrite(d.steps, key);
}

function sendToStep(d: Draft, m: MachineSet, data: { interactionId: string; planId: string; stepId: string }, fact: Fact): void {
  const key = stepKey(data.interactionId, data.planId, data.stepId);
  setStep(d, key, advanceActor(d, m.step, d.steps[key], fact, `step:${key}`));
}

const isLive = (snap: InteractionSnapshot | undefined): boolean => snap !== undefined && snap.status === 'active';

/** StepCancelled annotated with the approval its step was waiting for (the interaction drops it). */
function withApproval(fact: FactOf<'StepCancelled'>, snap: StepSnapshot | undefined): InteractionEvent {
  const approval = snap?.context.approval;
  if (snap?.value !== 'waiting_approval' || approval?.status !== 'requested') return fact;
  return { ...fact, pendingApprovalId: approval.approvalId };
}

/**
 * Routes one fact to the actors it concerns, in this order (all must accept):
 * thread-only facts (ThreadOpened/Forked/Closed, InputReceived, PolicyApplied, BudgetWarned,
 * BudgetExtended without interactionId) → thread; InteractionStarted → thread, then creates the
 * interaction; interaction-ending facts → interaction + thread; PlannerResponded/PlannerFailed →
 * interaction + thread (cost); other interaction facts → interaction; PlanAccepted → interaction,
 * then creates one step actor per plan step; StepReady/StepProgressed → step; StepStarted → step +
 * interaction + thread (reservation); StepCompleted/final StepFailed/StepCancelled → step + interaction (its
 * observation; skipped once the interaction has ended, so a step aborted by a cancel can still settle;
 * a StepCancelled of a step waiting for approval reaches the interaction annotated with that
 * approval's id, `pendingApprovalId`, so the interaction withdraws it) + thread (cost); a retrying StepFailed → step + thread; approvals → interaction (+ step when stepId).
 */
function route(d: Draft, m: MachineSet, fact: Fact): void {
  switch (fact.type) {
    case 'ThreadOpened':
    case 'ThreadForked':
    case 'ThreadClosed':
    case 'InputReceived':
    case 'PolicyApplied':
    case 'BudgetWarned':
      return sendToThread(d, m, fact);
    case 'BudgetExtended':
      return fact.data.interactionId === undefined ? sendToThread(d, m, fact) : sendToInteraction(d, m, fact.data.interactionId, fact);
    case 'InteractionStarted': {
      sendToThread(d, m, fact);
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
      sendToInteraction(d, m, fact.data.interactionId, fact);
      return sendToThread(d, m, fact);
    case 'InputMerged':
    case 'PlanningRequested':
    case 'PlanRejected':
    case 'PlanFinished':
    case 'InputRequested':
    case 'Interrupted':
    case 'Resumed':
      return sendToInteraction(d, m, fact.data.interactionId, fact);
    case 'PlanAccepted': {
      const { interactionId, planId, plan } = fact.data;
      sendToInteraction(d, m, interactionId, fact);
      for (const s of plan.steps) {
        const key = stepKey(interactionId, planId, s.id);
        if (d.steps[key] !== undefined) throw new IllegalTransitionError(d.threadId, d.revision, fact.type, `step:${key}`, 'exists');
        setStep(d, key, initial(m.step, { interactionId, planId, step: s }));
      }
      return;
    }
    case 'StepReady':
    case 'StepProgressed':
      return sendToStep(d, m, fact.data, fact);
    case 'StepStarted':
      sendToStep(d, m, fact.data, fact);
      sendToInteraction(d, m, fact.data.interactionId, fact);
      return sendToThread(d, m, fact);
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepCancelled': {
      const before = d.steps[stepKey(fact.data.interactionId, fact.data.planId, fact.data.stepId)];
      sendToStep(d, m, fact.data, fact);
      const finalOutcome = fact.type !== 'StepFailed' || fact.data.retryAtMs === null;
      if (finalOutcome && isLive(d.interactions[fact.data.interactionId])) {
        sendToInteraction(d, m, fact.data.interactionId, fact.type === 'StepCancelled' ? withApproval(fact, before) : fact);
      }
      return sendToThread(d, m, fact);
    }
    case 'ApprovalRequested':
    case 'ApprovalGranted':
    case 'ApprovalRejected':
      sendToInteraction(d, m, fact.data.interactionId, fact);
      if (fact.data.stepId !== undefined) sendToStep(d, m, { ...fact.data, stepId: fact.data.stepId }, fact);
      return;
    case 'RouteEvaluated':
      return; // a record of why a plan was chosen; no actor's state depends on it
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
  const d: Draft = { ...state, ownInteractions: false, ownSteps: false, changed: prevAcc === undefined ? undefined : new Map() };
  for (let i = 0; i < facts.length; i++) {
    d.revision = firstRevision + BigInt(i);
    route(d, m, facts[i]!);
  }
  const next: ThreadState = { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, steps: d.steps };
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
   * copy the interaction/step records.
   */
  peek(): ThreadState;
}

/**
 * A fold session: applies facts one at a time without copying the interaction/step records per fact
 * (they are copied once, on the first write after creation or after `state()`), and, with `hashing`,
 * keeps the state hash up to date incrementally. This is what verified replay uses: applyFact +
 * hashThreadState per fact would copy the step record once per fact (quadratic on long threads).
 */
export function foldSession(start: ThreadState, options: FoldOptions & { hashing?: boolean } = {}): FoldSession {
  const m = options.machines ?? defaultMachines;
  const d: Draft = { ...start, ownInteractions: false, ownSteps: false, changed: options.hashing ? new Map() : undefined };
  const acc: Buffer | undefined = options.hashing ? Buffer.from(accumulator(start)) : undefined;
  let peeked: ThreadState | undefined;
  return {
    apply(fact) {
      peeked = undefined;
      d.revision += 1n;
      route(d, m, fact);
    },
    peek() {
      peeked ??= { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, steps: d.steps };
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
      const out: ThreadState = { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, steps: d.steps };
      d.ownInteractions = false;
      d.ownSteps = false;
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
  return key.startsWith('I:') ? state.interactions[key.slice(2)] : state.steps[key.slice(2)];
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
    for (const [k, s] of Object.entries(state.steps)) xorInto(acc, actorDigest(`K:${k}`, s));
  }
  accCache.set(state, acc);
  return acc;
}

/**
 * Short stable hash of a state: 16 hex chars of sha256 over the XOR of one digest per actor (see
 * `digest`: its key `T`, `I:<interactionId>` or `K:<stepKey>`, its state value and a digest of each
 * context field). An XOR set-hash, so the hash after a fact is updated from the previous state's in
 * O(actors changed) when that one was hashed, and per actor O(fields changed): hashing after every
 * fact stays cheap on long threads and large plans. The revision is not part of it.
 * (An earlier version made each actor's digest was sha256 of the canonical JSON of `[key, value, context]`, which
 * re-serialised a whole 1 000-step plan on every step fact.)
 */
export function hashThreadState(state: ThreadState): string {
  return createHash('sha256').update(accumulator(state)).digest('hex').slice(0, 16);
}
