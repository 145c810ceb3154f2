/**
 * Plain-data views of a ThreadState for the runtime and the executor, so nobody else reads xstate
 * snapshots. Pure functions; amounts in USD, times in ms since epoch.
 */
import type { PolicySpec } from '../../facts/facts/thread-facts.ts';
import { derivedStatus, type StepStatus } from '../../../machines/step-lifecycle.ts';
import type { BudgetView, PlanRunView, StepView } from '../../executor/plan-run-view.ts';
import type { BudgetSpec, PlanSpec } from '../../plan/plan-schema.ts';
import type { InteractionContext, Observation } from '../../../machines/interaction.types.ts';
import type { AcceptedPlan, LiveInteractionState, StepPause } from '../../../machines/interaction.machine.ts';
import type { PendingInput, ThreadContext } from '../../../machines/thread.machine.ts';
import { createPlanIndex, setStepStatus, type PlanIndex } from '../../executor/plan-index.ts';
import { stepIndex } from '../../executor/view-helpers.ts';
import type { AppendSeq } from '../../core/append-seq.ts';
import { plainRecord, type OrderedRecord } from '../../core/ordered-record.ts';
import { dependenciesDone } from '../../plan/dependencies.ts';
import { ActorNotFoundError } from '../errors.ts';
import { stepKeysChangedSince, stepLogMark, type StepLogMark } from './step-log.ts';
import { stepKey, type InteractionSnapshot, type StepSnapshot, type ThreadState } from './thread-state.ts';
import { defined, lazy } from './view-props.ts';

/** Thread status (the thread machine's state). */
export type ThreadStatus = 'new' | 'open' | 'closed';

/** What the runtime needs to know about a thread. */
export interface ThreadView {
  threadId: string;
  status: ThreadStatus;
  title?: string;
  policy: PolicySpec;
  /** The thread budget with any BudgetExtended applied. */
  budget?: BudgetSpec;
  maxIterations: number;
  planner?: ThreadContext['planner'];
  /** Interactions started and not ended, in start order. */
  live: string[];
  /** Enqueued inputs, FIFO. */
  queue: PendingInput[];
  /** Inputs received without a policy decision yet. */
  undecided: PendingInput[];
  /** Input ids decided start/interrupt whose interaction has not started. */
  startable: string[];
  forkedFrom?: { threadId: string; revision: number };
  /** Recorded spend (steps + planner calls) and reservations of running steps, USD. */
  spentUsd: number;
  reservedUsd: number;
}

/** Interaction status: a live state, `interrupted`, or a final state. */
export type InteractionStatus = LiveInteractionState | 'interrupted' | 'completed' | 'failed' | 'cancelled';

/** What the runtime needs to know about an interaction (its machine context's fields as they are, plus derived ones). */
export interface InteractionView
  extends Pick<InteractionContext, 'pendingApprovals' | 'lastOutput' | 'answer' | 'question' | 'answered' | 'error' | 'resumeTo' | 'interrupt'> {
  interactionId: string;
  inputId: string;
  status: InteractionStatus;
  /** Planning iterations requested so far. */
  iteration: number;
  maxIterations: number;
  input: string;
  mergedInputs: string[];
  currentPlanId?: string;
  /** Plan ids accepted so far, in order. */
  planIds: string[];
  /**
   * The context's observations as a plain array, in fact order: built on first read (a lazy,
   * enumerable property, so building a view costs nothing for it), one array per version of the
   * context's list, shared by the views that read it: do not modify it.
   */
  observations: Observation[];
  cancelReason?: string;
}

/** The plain array of each version of an interaction's observations (see `InteractionView.observations`). */
const observationArrays = new WeakMap<AppendSeq<Observation>, Observation[]>();
function observationArray(seq: AppendSeq<Observation>): Observation[] {
  let a = observationArrays.get(seq);
  if (a === undefined) observationArrays.set(seq, (a = seq.toArray()));
  return a;
}

/**
 * The sum of a record's values, added in key order (as a sum over `Object.values`), without the
 * array of values: the thread's reservations (the plain record of an OrderedRecord), summed by every thread view.
 */
function sumOf(r: OrderedRecord<number> | Readonly<Record<string, number>>): number {
  const rec = plainRecord(r);
  let sum = 0;
  for (const k in rec) if (Object.hasOwn(rec, k)) sum += rec[k]!;
  return sum;
}

/** The thread's view. */
export function threadView(state: ThreadState): ThreadView {
  const c = state.thread.context;
  const reservedUsd = sumOf(c.reservations);
  return defined({
    threadId: state.threadId,
    status: state.thread.value as ThreadStatus,
    title: c.title,
    policy: c.policy,
    budget: c.budget,
    maxIterations: c.maxIterations,
    planner: c.planner,
    live: c.live,
    queue: c.queue,
    undecided: c.undecided,
    startable: c.startable,
    forkedFrom: c.forkedFrom,
    spentUsd: c.spentUsd,
    reservedUsd,
  });
}

function interactionOf(state: ThreadState, interactionId: string): InteractionSnapshot {
  const snap = Object.prototype.hasOwnProperty.call(state.interactions, interactionId) ? state.interactions[interactionId] : undefined;
  if (snap === undefined) throw new ActorNotFoundError(state.threadId, `interaction '${interactionId}'`);
  return snap;
}

/** Status of an interaction snapshot: `{ live: X }` → X, else the top state's name. */
export function interactionStatus(snap: InteractionSnapshot): InteractionStatus {
  const v = snap.value as string | { live: LiveInteractionState };
  return typeof v === 'string' ? (v as InteractionStatus) : v.live;
}

/**
 * The interaction's view.
 * @throws ActorNotFoundError the thread has no interaction `interactionId`.
 */
export function interactionView(state: ThreadState, interactionId: string): InteractionView {
  const snap = interactionOf(state, interactionId);
  const c = snap.context;
  const observations = c.observations;
  return defined({
    interactionId,
    inputId: c.inputId,
    status: interactionStatus(snap),
    iteration: c.iteration,
    maxIterations: c.maxIterations,
    input: c.input,
    mergedInputs: c.mergedInputs,
    currentPlanId: c.currentPlanId,
    planIds: c.plans.map((p) => p.planId),
    observations: lazy(observationArray, observations),
    pendingApprovals: c.pendingApprovals,
    lastOutput: c.lastOutput,
    answer: c.answer,
    question: c.question,
    answered: c.answered,
    error: c.error,
    resumeTo: c.resumeTo,
    interrupt: c.interrupt,
    cancelReason: c.cancelReason,
  });
}

/** StepView of a step snapshot, built once per snapshot (snapshots are immutable and shared between states). */
const stepViews = new WeakMap<StepSnapshot, StepView>();
const APPROVAL_FIELDS = ['approvalId', 'scope', 'status', 'requestedAtMs', 'timeoutMs', 'subject'] as const;

function stepViewOf(snap: StepSnapshot, stepId: string): StepView {
  const known = stepViews.get(snap);
  if (known !== undefined && known.stepId === stepId) return known;
  const c = snap.context;
  const a = c.approval;
  // Built field by field in the order of the StepView literal, undefined fields left out (as
  // `defined` does; this runs for every step snapshot a plan's facts create).
  const view: Record<string, unknown> = { stepId, status: snap.value as StepStatus };
  if (c.attempts !== undefined) view.attempts = c.attempts;
  if (c.readyAtMs !== undefined) view.readyAtMs = c.readyAtMs;
  if (c.startedAtMs !== undefined) view.startedAtMs = c.startedAtMs;
  if (c.output !== undefined) view.output = c.output;
  if (c.startedInput !== undefined) view.startedInput = c.startedInput;
  if (c.error !== undefined) view.error = c.error;
  if (a !== undefined) {
    const approval: Record<string, unknown> = {};
    for (const k of APPROVAL_FIELDS) if (a[k] !== undefined) approval[k] = a[k];
    view.approval = approval;
  }
  if (c.reservedUsd !== undefined) view.reservedUsd = c.reservedUsd;
  if (c.spentUsd !== undefined) view.spentUsd = c.spentUsd;
  stepViews.set(snap, view as unknown as StepView);
  return view as unknown as StepView;
}

/**
 * What the views keep per plan (by its PlanSpec object and `<interactionId>/<planId>`): the step
 * keys and positions (computed once), and the plan's status index (src/executor/plan-index.ts)
 * with `mark`, where the fold's step change log stood when the index was last brought in step: the
 * next view asks the log which step keys were written since (O(changes)) and rebuilds the index from
 * every step when the log cannot tell (another lineage of states, a restored state).
 */
interface PlanEntry {
  keys: string[];
  /** Step key → position in the plan. */
  position: Map<string, number>;
  /** Undefined when the plan is one the index cannot follow (repeated ids, unknown dependencies). */
  index: PlanIndex | undefined;
  mark: StepLogMark | undefined;
}
const planEntries = new WeakMap<PlanSpec, Map<string, PlanEntry>>();

function planEntry(interactionId: string, planId: string, plan: PlanSpec): PlanEntry {
  let byId = planEntries.get(plan);
  if (byId === undefined) planEntries.set(plan, (byId = new Map()));
  const id = `${interactionId}/${planId}`;
  let entry = byId.get(id);
  if (entry === undefined) {
    const keys = plan.steps.map((s) => stepKey(interactionId, planId, s.id));
    byId.set(id, (entry = { keys, position: new Map(keys.map((k, i) => [k, i] as const)), index: undefined, mark: undefined }));
  }
  return entry;
}

function stepSnap(state: ThreadState, key: string): StepSnapshot {
  const snap = state.steps[key];
  if (snap === undefined) throw new ActorNotFoundError(state.threadId, `step '${key}'`);
  return snap;
}

function indexStep(index: PlanIndex, i: number, snap: StepSnapshot): void {
  const status = snap.value as StepStatus;
  setStepStatus(index, i, status, status === 'ready' && snap.context.readyAtMs !== undefined);
}

/** The plan's index brought in step with `state` (see PlanEntry), or undefined when the plan has none. */
function syncedIndex(state: ThreadState, entry: PlanEntry, plan: PlanSpec): PlanIndex | undefined {
  const changed = entry.index !== undefined && entry.mark !== undefined ? stepKeysChangedSince(state.steps, entry.mark) : undefined;
  if (changed !== undefined && changed.length <= entry.keys.length) {
    for (const key of changed) {
      const i = entry.position.get(key);
      if (i !== undefined) indexStep(entry.index!, i, stepSnap(state, key));
    }
  } else {
    const index = createPlanIndex(plan.steps);
    if (index === undefined) return undefined;
    for (let i = 0; i < entry.keys.length; i++) indexStep(index, i, stepSnap(state, entry.keys[i]!));
    entry.index = index;
  }
  entry.mark = stepLogMark(state.steps);
  return entry.index;
}

/** The step views of a plan by step id, in plan order (what `PlanRunView.steps` holds). */
function stepsRecord(state: ThreadState, at: StepPlace, plan: PlanSpec): Record<string, StepView> {
  const out: Record<string, StepView> = {};
  const steps = plan.steps;
  for (let i = 0; i < steps.length; i++) out[steps[i]!.id] = stepViewAt(state, at, plan, i);
  return out;
}

/** Where a plan's steps are: its interaction and plan ids, its PlanEntry, and whether its approval gate is open. */
interface StepPlace {
  interactionId: string;
  planId: string;
  entry: PlanEntry;
  /** The plan needs no approval, or it was granted: its steps may be ready. */
  gateOpen: boolean;
}

/** The `ready` copy of a pending step's view, one per view object. */
const readyViews = new WeakMap<StepView, StepView>();

/**
 * The view of the step at position `i` of the plan, with its derived status: `ready` when the step
 * is pending, its dependencies are done (`derivedStatus`; no fact records readiness) and the plan's
 * approval gate is open (nothing starts before). O(its dependencies) for a pending step, O(1) otherwise.
 */
function stepViewAt(state: ThreadState, at: StepPlace, plan: PlanSpec, i: number): StepView {
  const step = plan.steps[i]!;
  const view = stepViewOf(stepSnap(state, at.entry.keys[i]!), step.id);
  if (view.status !== 'pending' || !at.gateOpen) return view;
  const done = dependenciesDone(step.dependsOn, (id) => state.steps[stepKey(at.interactionId, at.planId, id)]?.value as string | undefined);
  if (!done) return view;
  let ready = readyViews.get(view);
  if (ready === undefined) readyViews.set(view, (ready = { ...view, status: derivedStatus('pending', true) }));
  return ready;
}

function budgetView(state: ThreadState, accepted: AcceptedPlan, planSteps: () => StepView[], extendedUsd: number | undefined): BudgetView | undefined {
  const t = state.thread.context;
  const own = accepted.plan.budget;
  if (own !== undefined) {
    const limitUsd = extendedUsd ?? own.limitUsd;
    const steps = planSteps();
    return {
      limitUsd,
      warnAt: own.warnAt,
      onExceed: own.onExceed,
      spentUsd: steps.reduce((s, x) => s + x.spentUsd, 0),
      reservedUsd: steps.reduce((s, x) => s + x.reservedUsd, 0),
      warned: t.warnedLimitsUsd.includes(limitUsd),
    };
  }
  if (t.budget === undefined) return undefined;
  const limitUsd = Math.max(t.budget.limitUsd, extendedUsd ?? 0);
  const reservedUsd = sumOf(t.reservations);
  return {
    limitUsd,
    warnAt: t.budget.warnAt,
    onExceed: t.budget.onExceed,
    spentUsd: t.spentUsd,
    reservedUsd,
    warned: t.warnedLimitsUsd.includes(limitUsd),
  };
}

const HALTED: ReadonlySet<InteractionStatus> = new Set(['interrupted', 'cancelled', 'failed', 'completed']);

/**
 * One plan as the executor sees it. Step statuses are derived (`stepViewAt`): a pending step whose
 * dependencies are done shows `ready` once the plan's approval gate (if any) is granted; the plan's
 * index shows it `ready` regardless of the gate (the scheduler decides the gate first). Budget in force: the plan's own (limit raised by a BudgetExtended
 * naming the interaction; spent/reserved = this plan's steps), else the thread's (limit raised by
 * thread-wide BudgetExtended, or by one naming the interaction; spent = every step and planner cost of
 * the thread; reserved = every running step). `warned`: a BudgetWarned was recorded at that limit.
 * `halted`: the interaction is interrupted or ended.
 * @throws ActorNotFoundError no such interaction or plan.
 */
export function planRunView(state: ThreadState, interactionId: string, planId: string): PlanRunView {
  const holder = state as ThreadState & { [PLAN_VIEWS]?: Map<string, PlanRunView> };
  let byState = holder[PLAN_VIEWS];
  const id = `${interactionId}/${planId}`;
  const known = byState?.get(id);
  if (known !== undefined) return known;
  const view = buildPlanRunView(state, interactionId, planId);
  if (byState === undefined) {
    if (!Object.isExtensible(holder)) return view; // a frozen state (made by hand): not memoised
    Object.defineProperty(holder, PLAN_VIEWS, { value: (byState = new Map()), enumerable: false });
  }
  byState.set(id, view);
  return view;
}

/**
 * The plan views already built for a state (a state is immutable: its views never change), held by
 * the state itself in a non-enumerable property (not copied by a spread, not in JSON). Not a
 * WeakMap keyed by the state: a view holds its state, and V8's young-generation collections keep
 * such an entry's value (hence its key) alive while the map itself is old, so every state viewed
 * (several per write-ahead cycle) would be promoted with its records and collected only by a full GC.
 */
const PLAN_VIEWS = Symbol('planViews');

/** What a plan view's `steps` getter reads (see `viewSteps`). */
interface ViewSource {
  state: ThreadState;
  at: StepPlace;
  plan: PlanSpec;
  /** Built on the first read of `steps`. */
  steps: Record<string, StepView> | undefined;
}
const VIEW_SOURCE = Symbol('viewSource');

/**
 * The `steps` getter of every plan view, reading the view's own source: one shared function, not a
 * closure per view (see `Lazy` in view-props.ts).
 */
function viewSteps(this: { [VIEW_SOURCE]: ViewSource }): Record<string, StepView> {
  const s = this[VIEW_SOURCE];
  return (s.steps ??= stepsRecord(s.state, s.at, s.plan));
}

function buildPlanRunView(state: ThreadState, interactionId: string, planId: string): PlanRunView {
  const snap = interactionOf(state, interactionId);
  const c = snap.context;
  const accepted = c.plans.find((p) => p.planId === planId);
  if (accepted === undefined) throw new ActorNotFoundError(state.threadId, `plan '${planId}' in interaction '${interactionId}'`);
  const plan = accepted.plan;
  const entry = planEntry(interactionId, planId, plan);
  const a = accepted.approval;
  const budget = budgetView(state, accepted, () => plan.steps.map((s, i) => stepViewOf(stepSnap(state, entry.keys[i]!), s.id)), c.budgetLimitUsd);
  const view = defined({
    threadId: state.threadId,
    interactionId,
    planId,
    plan,
    steps: undefined as unknown as Record<string, StepView>,
    planApproval:
      a === undefined
        ? { status: 'none' as const }
        : defined({ status: a.status, approvalId: a.approvalId, requestedAtMs: a.requestedAtMs, timeoutMs: a.timeoutMs }),
    budget,
    ...pausesOf(c.stepPauses, planId),
    halted: HALTED.has(interactionStatus(snap)),
  });
  // `steps` is built on first read; `stepState` and `index` answer without it. All three read the
  // state's steps record when called, which a sealed state never changes (see ThreadState).
  const at: StepPlace = { interactionId, planId, entry, gateOpen: plan.requiresApproval !== true || a?.status === 'granted' };
  const source: ViewSource = { state, at, plan, steps: undefined };
  Object.defineProperty(view, VIEW_SOURCE, { value: source, enumerable: false });
  Object.defineProperty(view, 'steps', { enumerable: true, configurable: true, get: viewSteps });
  Object.defineProperty(view, 'stepState', {
    enumerable: false,
    value: (stepId: string): StepView | undefined => {
      const i = stepIndex(plan.steps, stepId);
      return i < 0 ? undefined : stepViewAt(state, at, plan, i);
    },
  });
  Object.defineProperty(view, 'index', { enumerable: false, value: () => syncedIndex(state, entry, plan) });
  return view;
}

/** `pausedBefore` / `pausedAfter` of one plan from the interaction's `stepPauses` (absent when none). */
function pausesOf(pauses: readonly StepPause[] | undefined, planId: string): Pick<PlanRunView, 'pausedBefore' | 'pausedAfter'> {
  if (pauses === undefined) return {};
  const out: { pausedBefore?: string[]; pausedAfter?: string[] } = {};
  for (const p of pauses) {
    if (p.planId !== planId) continue;
    const key = p.kind === 'before_step' ? 'pausedBefore' : 'pausedAfter';
    (out[key] ??= []).push(p.stepId);
  }
  return out;
}
