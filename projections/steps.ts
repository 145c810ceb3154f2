/**
 * The `steps` projection: a table of every step of every plan, per thread and interaction, with its
 * status, attempts, timings, last error, output summary, cost and approval state.
 *
 * Shape: threads (KeyedMap) → interactions (KeyedMap) → `plans[planId].steps[stepId]` → `StepRow`
 * (plus `planOrder` / `stepOrder` to list them in the order they were accepted / declared). Read it
 * with `stepInteraction(state, threadId, interactionId)` / `stepInteractions(state, threadId)`.
 *
 * Sources: PlanAccepted creates the rows (status `pending`, `ready` for a step without dependencies
 * in a plan without an approval gate); step facts and step-scoped approvals move them (status and
 * attempts fold the step lifecycle, see `projections/shared/step-status.ts`; a completion makes the
 * dependents whose dependencies are now done `ready`, as a granted plan approval does for the
 * plan's steps: readiness is derived, no fact records it); PlanFinished and plan-scoped approvals update
 * the plan. Times are ms since the epoch from `metadata.recordedAt`; `runMs` is the sum of the
 * `durationMs` the runtime recorded for each attempt. Every other fact leaves the state unchanged.
 *
 * Errors (the projector names the fact): a step fact whose (interactionId, planId, stepId) was not
 * declared by an earlier PlanAccepted of the same thread; a PlanAccepted reusing a planId.
 */
import type { RecordedFact } from '../src/facts/fact-types.ts';
import type { ErrorInfo } from '../src/facts/facts/common.ts';
import type { Projection } from '../src/projections/projection.ts';
import { recordedAtMs, revisionOf, threadIdOf } from './shared/fact-envelope.ts';
import { emptyKeyed, getKeyed, keyedValues, setKeyed, updateKeyed, type KeyedMap } from './shared/keyed-map.ts';
import { assoc, roundUsd } from './shared/records.ts';
import { dependentsOf, nextLifecycle, promoteReady, type StepStatus } from './shared/step-status.ts';
import { summarizeJson } from './shared/summarize.ts';
import { anyJoinCandidates, dependencyIds } from '../src/plan/dependencies.ts';

/** Approval state of a step or a plan. `decidedBy`/`reason`: from the grant or rejection. */
export interface ApprovalState {
  approvalId: string;
  scope: 'step' | 'plan' | 'budget';
  status: 'requested' | 'granted' | 'rejected';
  /** Runtime time of the request, ms since epoch. */
  requestedAtMs: number;
  decidedBy: string | null;
  reason: string | null;
  /** Rejected because nobody decided in time. */
  timedOut: boolean;
}

/** One step's row. Times: ms since epoch (fact `recordedAt`); durations: ms; cost: USD. */
export interface StepRow {
  interactionId: string;
  planId: string;
  stepId: string;
  action: string;
  description: string | null;
  dependsOn: string[];
  /** `dependsOn` was an any-join (`{ any: [...] }`): the step is ready once one of them completed. */
  anyJoin: boolean;
  /**
   * The step lifecycle (`shared/step-status.ts`), with readiness derived: `ready` once the step's
   * dependencies are done and the plan's approval gate is open, though no fact records it.
   */
  status: StepStatus;
  /** Attempts started so far. */
  attempts: number;
  /** Attempts the step may start (`retry.maxAttempts`, 1 without a retry policy). */
  maxAttempts: number;
  /** First time the step became ready: its last dependency's completion, its plan's approval, its PlanAccepted (ms since epoch). */
  readyAtMs: number | null;
  /** When the first attempt started / the latest attempt started. */
  firstStartedAtMs: number | null;
  lastStartedAtMs: number | null;
  /** When it reached a final status. */
  finishedAtMs: number | null;
  /** Sum of the recorded attempt durations. */
  runMs: number;
  /** Earliest start of the next attempt after a retryable failure (runtime clock), else null. */
  retryAtMs: number | null;
  lastError: ErrorInfo | null;
  /** One-line summary of the output (completed) or partial output (cancelled). */
  outputSummary: string | null;
  /** Recorded spend of all attempts, including failed and cancelled ones. */
  costUsd: number;
  approval: ApprovalState | null;
  /** Last thread revision that changed this row. */
  lastRevision: number;
}

/** One accepted plan and its steps. */
export interface StepsPlan {
  planId: string;
  iteration: number;
  title: string | null;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  approval: ApprovalState | null;
  /** The plan requires an approval not granted yet: none of its steps is ready. */
  gated: boolean;
  stepOrder: string[];
  steps: Record<string, StepRow>;
}

/** The plans of one interaction. */
export interface StepsInteraction {
  interactionId: string;
  planOrder: string[];
  plans: Record<string, StepsPlan>;
}

/** The interactions of one thread. */
export interface StepsThread {
  interactions: KeyedMap<StepsInteraction>;
}

/** State of the `steps` projection (threads keyed by thread id; see `shared/keyed-map.ts`). */
export interface StepsState {
  threads: KeyedMap<StepsThread>;
}

/** The step table of one interaction, or undefined. */
export function stepInteraction(state: StepsState, threadId: string, interactionId: string): StepsInteraction | undefined {
  const thread = getKeyed(state.threads, threadId);
  return thread && getKeyed(thread.interactions, interactionId);
}

/** The step tables of every interaction of a thread (hash order: sort for display). */
export function stepInteractions(state: StepsState, threadId: string): StepsInteraction[] {
  const thread = getKeyed(state.threads, threadId);
  return thread ? keyedValues(thread.interactions) : [];
}

type PlanRef = { interactionId: string; planId: string };
type PlanPlace = { thread: StepsThread; interaction: StepsInteraction; plan: StepsPlan };

/** Finds a plan. @throws Error naming it when the thread, interaction or plan is unknown. */
function locatePlan(state: StepsState, threadId: string, ref: PlanRef, what: string): PlanPlace {
  const thread = getKeyed(state.threads, threadId);
  const interaction = thread && getKeyed(thread.interactions, ref.interactionId);
  const plan = interaction?.plans[ref.planId];
  if (!thread || !interaction || !plan) {
    throw new Error(`${what}: unknown plan '${ref.planId}' of interaction '${ref.interactionId}' in thread '${threadId}' (no PlanAccepted before)`);
  }
  return { thread, interaction, plan };
}

/** `state` with the plan at `place` replaced by `next`. */
function replacePlan(state: StepsState, threadId: string, place: PlanPlace, next: StepsPlan): StepsState {
  if (next === place.plan) return state;
  const { interaction } = place;
  const interactions = setKeyed(place.thread.interactions, interaction.interactionId, { ...interaction, plans: assoc(interaction.plans, next.planId, next) });
  return { threads: setKeyed(state.threads, threadId, { interactions }) };
}

/** The fields a step fact changes on its row (besides status, attempts, timestamps and lastRevision). */
function stepPatch(r: StepRow, fact: RecordedFact): Partial<StepRow> {
  switch (fact.type) {
    case 'StepStarted': {
      const at = recordedAtMs(fact);
      return { firstStartedAtMs: r.firstStartedAtMs ?? at, lastStartedAtMs: at, retryAtMs: null };
    }
    case 'StepCompleted':
      return {
        runMs: r.runMs + fact.data.durationMs,
        costUsd: roundUsd(r.costUsd + fact.data.costUsd), outputSummary: summarizeJson(fact.data.output),
      };
    case 'StepFailed':
      return {
        runMs: r.runMs + fact.data.durationMs,
        costUsd: roundUsd(r.costUsd + fact.data.costUsd), lastError: errorInfo(fact.data.error), retryAtMs: fact.data.retryAtMs,
      };
    case 'StepCancelled':
      return {
        costUsd: roundUsd(r.costUsd + fact.data.costUsd), retryAtMs: null,
        outputSummary: fact.data.partialOutput === undefined ? r.outputSummary : summarizeJson(fact.data.partialOutput),
      };
    case 'ApprovalRequested':
    case 'ApprovalGranted':
    case 'ApprovalRejected':
      return { approval: approvalAfter(r.approval, fact) };
    default:
      return {};
  }
}

/** Applies a step fact (or step-scoped approval) to its row. @throws Error on an unknown plan or step. */
function updateStep(state: StepsState, threadId: string, fact: RecordedFact, ref: PlanRef & { stepId: string }): StepsState {
  const place = locatePlan(state, threadId, ref, fact.type);
  const { plan } = place;
  const row = plan.steps[ref.stepId];
  if (!row) throw new Error(`${fact.type}: unknown step '${ref.stepId}' in plan '${ref.planId}' of interaction '${ref.interactionId}'`);
  const life = nextLifecycle({ status: row.status, attempts: row.attempts, maxAttempts: row.maxAttempts, approvalId: row.approval?.approvalId ?? null }, fact);
  const { status } = life;
  const next: StepRow = { ...row, ...stepPatch(row, fact), status, attempts: life.attempts, lastRevision: revisionOf(fact) };
  if (status !== row.status && (status === 'completed' || status === 'failed' || status === 'cancelled')) next.finishedAtMs = recordedAtMs(fact);
  if (status === 'ready' && next.readyAtMs === null) next.readyAtMs = recordedAtMs(fact);
  let steps = assoc(plan.steps, ref.stepId, next);
  if (status === 'completed' && row.status !== 'completed') steps = promoteReady(steps, dependentsOf(steps, plan.stepOrder, ref.stepId), !plan.gated, readyAt(fact));
  return replacePlan(state, threadId, place, { ...plan, steps });
}

/** Makes a pending row `ready` as of `fact` (derived readiness: see `StepRow.status`). */
const readyAt = (fact: RecordedFact) => (r: StepRow): StepRow => ({ ...r, status: 'ready', readyAtMs: r.readyAtMs ?? recordedAtMs(fact), lastRevision: revisionOf(fact) });

function errorInfo(e: ErrorInfo): ErrorInfo {
  const out: ErrorInfo = { message: e.message };
  if (e.code !== undefined) out.code = e.code;
  if (e.retryable !== undefined) out.retryable = e.retryable;
  return out;
}

function acceptPlan(state: StepsState, threadId: string, fact: Extract<RecordedFact, { type: 'PlanAccepted' }>): StepsState {
  const { interactionId, planId, iteration, plan } = fact.data;
  const steps: Record<string, StepRow> = {};
  for (const step of plan.steps) {
    steps[step.id] = {
      interactionId, planId, stepId: step.id, action: step.action, description: step.description ?? null,
      dependsOn: [...dependencyIds(step.dependsOn)], anyJoin: anyJoinCandidates(step.dependsOn) !== undefined, status: 'pending', attempts: 0, maxAttempts: step.retry?.maxAttempts ?? 1, readyAtMs: null, firstStartedAtMs: null,
      lastStartedAtMs: null, finishedAtMs: null, runMs: 0, retryAtMs: null, lastError: null, outputSummary: null,
      costUsd: 0, approval: null, lastRevision: revisionOf(fact),
    };
  }
  const gated = plan.requiresApproval === true;
  const stepOrder = plan.steps.map((s) => s.id);
  const row: StepsPlan = { planId, iteration, title: plan.title ?? null, status: 'running', approval: null, gated, stepOrder, steps: promoteReady(steps, stepOrder, !gated, readyAt(fact)) };
  const threads = updateKeyed<StepsThread>(state.threads, threadId, () => ({ interactions: emptyKeyed() }), (thread) => ({
    interactions: updateKeyed<StepsInteraction>(thread.interactions, interactionId, () => ({ interactionId, planOrder: [], plans: {} }), (i) => {
      if (i.plans[planId]) throw new Error(`PlanAccepted: plan '${planId}' of interaction '${interactionId}' was already accepted`);
      return { ...i, planOrder: [...i.planOrder, planId], plans: assoc(i.plans, planId, row) };
    }),
  }));
  return { threads };
}

type ApprovalFact = Extract<RecordedFact, { type: 'ApprovalRequested' | 'ApprovalGranted' | 'ApprovalRejected' }>;

function approvalAfter(current: ApprovalState | null, fact: ApprovalFact): ApprovalState {
  if (fact.type === 'ApprovalRequested') {
    const d = fact.data;
    return { approvalId: d.approvalId, scope: d.scope, status: 'requested', requestedAtMs: d.requestedAtMs, decidedBy: null, reason: null, timedOut: false };
  }
  const base = current ?? { approvalId: fact.data.approvalId, scope: fact.data.stepId ? 'step' : 'plan', requestedAtMs: recordedAtMs(fact), timedOut: false };
  return {
    ...base,
    approvalId: fact.data.approvalId,
    status: fact.type === 'ApprovalGranted' ? 'granted' : 'rejected',
    decidedBy: fact.data.by,
    reason: fact.data.reason ?? null,
    timedOut: fact.type === 'ApprovalRejected' ? fact.data.timedOut : false,
  };
}

function evolveThread(state: StepsState, threadId: string, fact: RecordedFact): StepsState {
  switch (fact.type) {
    case 'PlanAccepted':
      return acceptPlan(state, threadId, fact);
    case 'PlanFinished': {
      const place = locatePlan(state, threadId, fact.data, fact.type);
      return replacePlan(state, threadId, place, { ...place.plan, status: fact.data.outcome });
    }
    case 'StepReady':
    case 'StepStarted':
    case 'StepProgressed':
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepCancelled':
      return updateStep(state, threadId, fact, fact.data);
    case 'ApprovalRequested':
    case 'ApprovalGranted':
    case 'ApprovalRejected': {
      const { stepId } = fact.data;
      if (stepId !== undefined) return updateStep(state, threadId, fact, { ...fact.data, stepId });
      const place = locatePlan(state, threadId, fact.data, fact.type);
      const plan = { ...place.plan, approval: approvalAfter(place.plan.approval, fact) };
      if (fact.type !== 'ApprovalGranted' || !plan.gated) return replacePlan(state, threadId, place, plan);
      return replacePlan(state, threadId, place, { ...plan, gated: false, steps: promoteReady(plan.steps, plan.stepOrder, true, readyAt(fact)) });
    }
    default:
      return state;
  }
}

/** The fact types `steps` reads; every other fact leaves the state as is (checked first: cheap). */
const STEP_TABLE_FACTS: ReadonlySet<string> = new Set([
  'PlanAccepted', 'PlanFinished', 'StepReady', 'StepStarted', 'StepProgressed', 'StepCompleted', 'StepFailed', 'StepCancelled',
  'ApprovalRequested', 'ApprovalGranted', 'ApprovalRejected',
]);

/** The `steps` projection (see the module docstring). */
export const stepsProjection: Projection<StepsState> = {
  name: 'steps',
  version: 4,
  initialState: { threads: emptyKeyed() },
  evolve(state, fact) {
    if (!STEP_TABLE_FACTS.has(fact.type)) return state;
    const threadId = threadIdOf(fact);
    return threadId === undefined ? state : evolveThread(state, threadId, fact);
  },
};
