/**
 * Plain-data views of a ThreadState for the runtime and the executor, so nobody else reads xstate
 * snapshots. Pure functions; amounts in USD, times in ms since epoch.
 */
import type { ErrorInfo } from '../../facts/facts/common.ts';
import type { PolicySpec } from '../../facts/facts/thread-facts.ts';
import type { BudgetView, PlanRunView, TaskStatus, TaskView } from '../../executor/plan-run-view.ts';
import type { BudgetSpec, PlanSpec } from '../../plan/plan-schema.ts';
import type { PlannerOutput } from '../../plan/planner-output.ts';
import type { Observation } from '../../planner/planner.ts';
import type { AcceptedPlan, AnsweredQuestion, LiveInteractionState, StepPause } from '../../../machines/interaction.machine.ts';
import type { PendingInput, ThreadContext } from '../../../machines/thread.machine.ts';
import { ActorNotFoundError } from '../errors.ts';
import { taskKeysChangedSince, taskLogMark, type TaskLogMark } from './task-log.ts';
import { taskKey, type InteractionSnapshot, type TaskSnapshot, type ThreadState } from './thread-state.ts';

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

/** What the runtime needs to know about an interaction. */
export interface InteractionView {
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
  observations: Observation[];
  pendingApprovals: string[];
  lastOutput?: PlannerOutput;
  answer?: string;
  /** The pending question while `waiting_input`. */
  question?: string;
  /** Questions answered so far, each with the index of its answer in `mergedInputs`. */
  answered?: AnsweredQuestion[];
  error?: ErrorInfo;
  /** Interrupted only: the live state Resumed returns to, and the interrupt's kind. */
  resumeTo?: LiveInteractionState;
  interrupt?: { kind: 'before_step' | 'after_step' | 'approval' | 'user_request'; stepId?: string; reason?: string };
  cancelReason?: string;
}

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The thread's view. */
export function threadView(state: ThreadState): ThreadView {
  const c = state.thread.context;
  let reservedUsd = 0;
  for (const usd of Object.values(c.reservations)) reservedUsd += usd;
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
    observations: c.observations,
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

/** TaskView of a task snapshot, built once per snapshot (snapshots are immutable and shared between states). */
const taskViews = new WeakMap<TaskSnapshot, TaskView>();
const APPROVAL_FIELDS = ['approvalId', 'scope', 'status', 'requestedAtMs', 'timeoutMs', 'subject'] as const;

function taskViewOf(snap: TaskSnapshot, stepId: string): TaskView {
  const known = taskViews.get(snap);
  if (known !== undefined && known.stepId === stepId) return known;
  const c = snap.context;
  const a = c.approval;
  // Built field by field in the order of the TaskView literal, undefined fields left out (as
  // `defined` does; this runs for every task snapshot a plan's facts create).
  const view: Record<string, unknown> = { stepId, status: snap.value as TaskStatus };
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
  taskViews.set(snap, view as unknown as TaskView);
  return view as unknown as TaskView;
}

/**
 * The task views of one plan, kept per plan (by its PlanSpec object and `<interactionId>/<planId>`):
 * the task keys (computed once), and the last `tasks` record built with the snapshots it was built
 * from, reused as long as every snapshot is the same object (a write elsewhere does not rebuild it).
 * `mark` is where the fold's task change log stood when `snaps` was last synced: the next call asks
 * the log which task keys were written since (O(changes)) and falls back to comparing every task
 * when the log cannot tell (another lineage of states, a restored state).
 */
interface PlanTasks {
  keys: string[];
  /** Task key → position in the plan; undefined when step ids repeat (then always compared in full). */
  index: Map<string, number> | undefined;
  snaps: Array<TaskSnapshot | undefined>;
  tasks: Record<string, TaskView> | undefined;
  list: TaskView[];
  mark: TaskLogMark | undefined;
}
const planTasks = new WeakMap<PlanSpec, Map<string, PlanTasks>>();

function tasksOf(state: ThreadState, interactionId: string, planId: string, plan: PlanSpec): { tasks: Record<string, TaskView>; list: TaskView[] } {
  let byId = planTasks.get(plan);
  if (byId === undefined) planTasks.set(plan, (byId = new Map()));
  const id = `${interactionId}/${planId}`;
  let entry = byId.get(id);
  if (entry === undefined) {
    const keys = plan.steps.map((s) => taskKey(interactionId, planId, s.id));
    const index = new Map(keys.map((k, i) => [k, i] as const));
    byId.set(id, (entry = { keys, index: index.size === keys.length ? index : undefined, snaps: [], tasks: undefined, list: [], mark: undefined }));
  }
  const { keys, snaps } = entry;
  const changed = entry.tasks !== undefined && entry.mark !== undefined && entry.index !== undefined ? taskKeysChangedSince(state.tasks, entry.mark) : undefined;
  if (changed !== undefined && changed.length <= keys.length && entry.tasks !== undefined && entry.index !== undefined) {
    const dirty: number[] = [];
    for (const key of changed) {
      const i = entry.index.get(key);
      if (i === undefined) continue;
      const snap = state.tasks[key];
      if (snap === undefined) throw new ActorNotFoundError(state.threadId, `task '${key}'`);
      if (snaps[i] === snap) continue;
      snaps[i] = snap;
      dirty.push(i);
    }
    entry.mark = taskLogMark(state.tasks);
    if (dirty.length > 0) {
      const list = entry.list.slice();
      for (const i of dirty) list[i] = taskViewOf(snaps[i]!, plan.steps[i]!.id);
      entry.tasks = recordOf(plan, list);
      entry.list = list;
    }
    return { tasks: entry.tasks, list: entry.list };
  }
  for (let i = 0; i < keys.length; i++) {
    const snap = state.tasks[keys[i]!];
    if (snap === undefined) throw new ActorNotFoundError(state.threadId, `task '${keys[i]!}'`);
    if (snaps[i] === snap) continue;
    snaps[i] = snap;
    entry.tasks = undefined;
  }
  entry.mark = taskLogMark(state.tasks);
  if (entry.tasks !== undefined) return { tasks: entry.tasks, list: entry.list };
  const list: TaskView[] = new Array<TaskView>(keys.length);
  const steps = plan.steps;
  for (let i = 0; i < steps.length; i++) list[i] = taskViewOf(snaps[i]!, steps[i]!.id);
  const tasks = recordOf(plan, list);
  entry.tasks = tasks;
  entry.list = list;
  return { tasks, list };
}

/** The `tasks` record of a plan's views in plan order (the views of `list`, by step id). */
function recordOf(plan: PlanSpec, list: readonly TaskView[]): Record<string, TaskView> {
  const out: Record<string, TaskView> = {};
  const steps = plan.steps;
  for (let i = 0; i < steps.length; i++) out[steps[i]!.id] = list[i]!;
  return out;
}

function budgetView(state: ThreadState, accepted: AcceptedPlan, tasks: TaskView[], extendedUsd: number | undefined): BudgetView | undefined {
  const t = state.thread.context;
  const own = accepted.plan.budget;
  if (own !== undefined) {
    const limitUsd = extendedUsd ?? own.limitUsd;
    return {
      limitUsd,
      warnAt: own.warnAt,
      onExceed: own.onExceed,
      spentUsd: tasks.reduce((s, x) => s + x.spentUsd, 0),
      reservedUsd: tasks.reduce((s, x) => s + x.reservedUsd, 0),
      warned: t.warnedLimitsUsd.includes(limitUsd),
    };
  }
  if (t.budget === undefined) return undefined;
  const limitUsd = Math.max(t.budget.limitUsd, extendedUsd ?? 0);
  let reservedUsd = 0;
  for (const usd of Object.values(t.reservations)) reservedUsd += usd;
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
 * One plan as the executor sees it. Budget in force: the plan's own (limit raised by a BudgetExtended
 * naming the interaction; spent/reserved = this plan's steps), else the thread's (limit raised by
 * thread-wide BudgetExtended, or by one naming the interaction; spent = every step and planner cost of
 * the thread; reserved = every running step). `warned`: a BudgetWarned was recorded at that limit.
 * `halted`: the interaction is interrupted or ended.
 * @throws ActorNotFoundError no such interaction or plan.
 */
export function planRunView(state: ThreadState, interactionId: string, planId: string): PlanRunView {
  let byState = planViews.get(state);
  const id = `${interactionId}/${planId}`;
  const known = byState?.get(id);
  if (known !== undefined) return known;
  const view = buildPlanRunView(state, interactionId, planId);
  if (byState === undefined) planViews.set(state, (byState = new Map()));
  byState.set(id, view);
  return view;
}

/** Plan views already built for a state (a state is immutable: its views never change). */
const planViews = new WeakMap<ThreadState, Map<string, PlanRunView>>();

function buildPlanRunView(state: ThreadState, interactionId: string, planId: string): PlanRunView {
  const snap = interactionOf(state, interactionId);
  const c = snap.context;
  const accepted = c.plans.find((p) => p.planId === planId);
  if (accepted === undefined) throw new ActorNotFoundError(state.threadId, `plan '${planId}' in interaction '${interactionId}'`);
  const { tasks, list } = tasksOf(state, interactionId, planId, accepted.plan);
  const a = accepted.approval;
  const budget = budgetView(state, accepted, list, c.budgetLimitUsd);
  return defined({
    threadId: state.threadId,
    interactionId,
    planId,
    plan: accepted.plan,
    tasks,
    planApproval:
      a === undefined
        ? { status: 'none' as const }
        : defined({ status: a.status, approvalId: a.approvalId, requestedAtMs: a.requestedAtMs, timeoutMs: a.timeoutMs }),
    budget,
    ...pausesOf(c.stepPauses, planId),
    halted: HALTED.has(interactionStatus(snap)),
  });
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
