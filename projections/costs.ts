/**
 * The `costs` projection: spend per thread, per interaction, per step and per model — USD and LLM
 * tokens in/out — with budget limit/remaining and the reservations still outstanding.
 *
 * Sources and rules:
 * - Planner calls: `PlannerResponded.usage` / `PlannerFailed.usage` → tokens, USD and requests
 *   (`calls`), per model, charged to the interaction (`planner`, `total`) and the thread (`total`).
 *   Thread `total.usd` equals the runtime's `threadView(state).spentUsd`, and thread `total.calls`
 *   the sum of the model rows' `calls` (checked by the projection tests).
 * - Steps: `costUsd` of StepCompleted, StepFailed and StepCancelled, every attempt — spend of failed,
 *   crashed and cancelled attempts stays counted — charged to the step, the interaction (`total`)
 *   and the thread (`total`). Their optional `usage` (LLM requests an action such as `llm.complete`
 *   made, per model) adds its tokens to the step row and its tokens and requests (`calls`) to the
 *   totals, and its USD, tokens and requests to the model rows; its USD is already part of
 *   `costUsd`, so it is not added to the totals twice. Thread `total.calls` = the sum of the model
 *   rows' `calls` still holds, and `total.usd` ≥ the sum of the model rows' `usd` (steps may have
 *   spend that is not LLM usage).
 * - Reservations: StepStarted.reservedUsd opens one reservation per step (keyed `<planId>/<stepId>`,
 *   remembering the attempt). It is released when that attempt ends (StepCompleted / StepFailed of
 *   the same attempt, or StepCancelled), when a later attempt of the step starts (the earlier one
 *   can only have ended, e.g. after a crash), and — for all of an interaction's reservations — when
 *   the interaction completes, fails or is cancelled.
 * - Budgets, as the executor enforces them (`planRunView` in src/history/fold/views.ts): the thread's
 *   from ThreadOpened.budget, spent = every step and planner cost of the thread, reserved = every
 *   outstanding reservation; an interaction's = the budget of its latest accepted plan when that
 *   plan has one (`budgetPlanId`; null when it has none: the thread's is in force), spent and
 *   reserved = that plan's steps only. BudgetExtended sets the new limit (of the interaction when it
 *   names one — without a plan budget, its spent/reserved are then the interaction's —, else of
 *   the thread). `remainingUsd = limitUsd − spentUsd` (negative when
 *   overspent); `availableUsd = remainingUsd − reservedUsd`. `warned`: a BudgetWarned was recorded
 *   at the budget's current limit (`warnedLimitsUsd`, thread-wide, as the thread machine keeps it —
 *   the executor's BudgetWarned may not name the interaction; an extension clears `warned` until a
 *   warning at the new limit).
 * Amounts are rounded to 1e-9 USD after each addition so rebuilds and increments agree exactly.
 */
import type { RecordedFact } from '../src/facts/fact-types.ts';
import type { StepUsage, Usage } from '../src/facts/facts/common.ts';
import type { Projection } from '../src/projections/projection.ts';
import { threadIdOf } from './shared/fact-envelope.ts';
import { emptyKeyed, getKeyed, keyedEntries, setKeyed, type KeyedMap } from './shared/keyed-map.ts';
import { assoc, roundUsd } from './shared/records.ts';
import { planStepKey } from './shared/step-status.ts';

/**
 * Spend: USD and token counts; `calls`: LLM requests (thread, interaction, planner and model rows:
 * every HTTP request a planner call or a step's action made, repairs and retries included —
 * `Usage.calls`, 1 for planner facts without it) or attempts (step rows).
 */
export interface Spend {
  usd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

/** A budget's figures, USD. */
export interface BudgetFigures {
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  remainingUsd: number;
  availableUsd: number;
  warned: boolean;
}

/** An outstanding reservation of a running attempt, USD. */
export interface Reservation {
  planId: string;
  stepId: string;
  attempt: number;
  usd: number;
}

/** Costs of one interaction. `steps` keyed `<planId>/<stepId>`. */
export interface InteractionCosts {
  total: Spend;
  planner: Spend;
  steps: Record<string, Spend>;
  models: Record<string, Spend>;
  reservations: Record<string, Reservation>;
  /** Sum of `reservations`. */
  reservedUsd: number;
  /** The plan whose own budget is `budget`, or null. */
  budgetPlanId: string | null;
  budget: BudgetFigures | null;
}

/** Costs of one thread. */
export interface ThreadCosts {
  total: Spend;
  models: Record<string, Spend>;
  /** Sum of the outstanding reservations of its interactions. */
  reservedUsd: number;
  budget: BudgetFigures | null;
  /** Limits (USD) at which a BudgetWarned was recorded, in order. */
  warnedLimitsUsd: number[];
  interactions: KeyedMap<InteractionCosts>;
}

/** State of the `costs` projection (threads keyed by id; see `shared/keyed-map.ts`). */
export interface CostsState {
  threads: KeyedMap<ThreadCosts>;
}

/** The costs of one thread, or undefined. */
export function threadCosts(state: CostsState, threadId: string): ThreadCosts | undefined {
  return getKeyed(state.threads, threadId);
}

/** The costs of one interaction of a thread, or undefined. */
export function interactionCosts(state: CostsState, threadId: string, interactionId: string): InteractionCosts | undefined {
  const thread = getKeyed(state.threads, threadId);
  return thread && getKeyed(thread.interactions, interactionId);
}

const ZERO: Spend = { usd: 0, inputTokens: 0, outputTokens: 0, calls: 0 };

function add(s: Spend, usd: number, inTok = 0, outTok = 0, calls = 1): Spend {
  return { usd: roundUsd(s.usd + usd), inputTokens: s.inputTokens + inTok, outputTokens: s.outputTokens + outTok, calls: s.calls + calls };
}

function figures(limitUsd: number, spentUsd: number, reservedUsd: number, warnedLimitsUsd: readonly number[]): BudgetFigures {
  const remainingUsd = roundUsd(limitUsd - spentUsd);
  return { limitUsd, spentUsd, reservedUsd, remainingUsd, availableUsd: roundUsd(remainingUsd - reservedUsd), warned: warnedLimitsUsd.includes(limitUsd) };
}

/**
 * Budget figures of an interaction: with a plan budget, spend and reservations of that plan's steps;
 * else (a limit set by a BudgetExtended naming the interaction) the interaction's whole spend.
 */
function planFigures(i: InteractionCosts, limitUsd: number, warnedLimitsUsd: readonly number[]): BudgetFigures {
  if (i.budgetPlanId === null) return figures(limitUsd, i.total.usd, i.reservedUsd, warnedLimitsUsd);
  const prefix = `${i.budgetPlanId}/`;
  let spent = 0;
  for (const key in i.steps) if (key.startsWith(prefix)) spent = roundUsd(spent + (i.steps[key] as Spend).usd);
  let reserved = 0;
  for (const r of Object.values(i.reservations)) if (r.planId === i.budgetPlanId) reserved = roundUsd(reserved + r.usd);
  return figures(limitUsd, spent, reserved, warnedLimitsUsd);
}

function reservedOf(reservations: Record<string, Reservation>): number {
  let sum = 0;
  for (const r of Object.values(reservations)) sum = roundUsd(sum + r.usd);
  return sum;
}

/** The thread's budget figures after its spend or reservations changed. */
function settle(thread: ThreadCosts): ThreadCosts {
  return thread.budget ? { ...thread, budget: figures(thread.budget.limitUsd, thread.total.usd, thread.reservedUsd, thread.warnedLimitsUsd) } : thread;
}

const emptyInteraction = (): InteractionCosts => ({ total: ZERO, planner: ZERO, steps: {}, models: {}, reservations: {}, reservedUsd: 0, budgetPlanId: null, budget: null });

/**
 * Applies `fn` to one interaction, then refreshes its reserved sum and budget figures and moves the
 * thread's reserved sum by the difference (O(reservations of that interaction), not O(interactions)).
 */
function charge(thread: ThreadCosts, interactionId: string, fn: (i: InteractionCosts) => InteractionCosts): ThreadCosts {
  const before = getKeyed(thread.interactions, interactionId) ?? emptyInteraction();
  const changed = fn(before);
  const reservedUsd = changed.reservations === before.reservations ? before.reservedUsd : reservedOf(changed.reservations);
  const budget = changed.budget ? planFigures(changed, changed.budget.limitUsd, thread.warnedLimitsUsd) : null;
  const after: InteractionCosts = { ...changed, reservedUsd, budget };
  return { ...thread, reservedUsd: roundUsd(thread.reservedUsd - before.reservedUsd + reservedUsd), interactions: setKeyed(thread.interactions, interactionId, after) };
}

function chargeUsage(thread: ThreadCosts, interactionId: string, usage: Usage | undefined): ThreadCosts {
  if (!usage) return thread;
  const { model, inputTokens: inT, outputTokens: outT, costUsd } = usage;
  const n = usage.calls ?? 1;
  const t = { ...thread, total: add(thread.total, costUsd, inT, outT, n), models: assoc(thread.models, model, add(thread.models[model] ?? ZERO, costUsd, inT, outT, n)) };
  return charge(t, interactionId, (i) => ({
    ...i, total: add(i.total, costUsd, inT, outT, n), planner: add(i.planner, costUsd, inT, outT, n),
    models: assoc(i.models, model, add(i.models[model] ?? ZERO, costUsd, inT, outT, n)),
  }));
}

type StepFact = Extract<RecordedFact, { type: 'StepStarted' | 'StepCompleted' | 'StepFailed' | 'StepCancelled' }>;

/** Per-model rows plus a step's LLM usage (each entry's own USD, tokens and requests). */
function addModels(models: Record<string, Spend>, usage: StepUsage): Record<string, Spend> {
  let out = models;
  for (const u of usage) out = assoc(out, u.model, add(out[u.model] ?? ZERO, u.costUsd, u.inputTokens, u.outputTokens, u.calls));
  return out;
}

function chargeStep(thread: ThreadCosts, fact: StepFact): ThreadCosts {
  const { interactionId, planId, stepId } = fact.data;
  const key = planStepKey(planId, stepId);
  const usd = fact.type === 'StepStarted' ? 0 : fact.data.costUsd;
  // the usage's USD is part of `costUsd`: totals take the fact's USD and the usage's tokens and requests
  const usage = fact.type === 'StepStarted' ? undefined : fact.data.usage;
  let inT = 0;
  let outT = 0;
  let n = 0;
  for (const u of usage ?? []) {
    inT += u.inputTokens;
    outT += u.outputTokens;
    n += u.calls;
  }
  const spends = usd > 0 || (usage !== undefined && usage.length > 0);
  const t = spends ? { ...thread, total: add(thread.total, usd, inT, outT, n), models: usage ? addModels(thread.models, usage) : thread.models } : thread;
  return charge(t, interactionId, (i) => {
    let reservations = i.reservations;
    const open = reservations[key];
    if (fact.type === 'StepStarted') {
      reservations = assoc(reservations, key, { planId, stepId, attempt: fact.data.attempt, usd: fact.data.reservedUsd });
    } else if (open && (fact.type === 'StepCancelled' || open.attempt === fact.data.attempt)) {
      reservations = { ...reservations };
      delete reservations[key];
    }
    const step = i.steps[key] ?? ZERO;
    const steps = fact.type === 'StepStarted' ? assoc(i.steps, key, add(step, 0)) : spends ? assoc(i.steps, key, add(step, usd, inT, outT, 0)) : i.steps;
    if (!spends) return { ...i, steps, reservations };
    return { ...i, total: add(i.total, usd, inT, outT, n), models: usage ? addModels(i.models, usage) : i.models, steps, reservations };
  });
}

function evolveThread(thread: ThreadCosts, fact: RecordedFact): ThreadCosts {
  switch (fact.type) {
    case 'ThreadOpened':
      return { ...thread, budget: fact.data.budget ? figures(fact.data.budget.limitUsd, 0, 0, thread.warnedLimitsUsd) : thread.budget };
    case 'PlannerResponded':
    case 'PlannerFailed':
      return chargeUsage(thread, fact.data.interactionId, fact.data.usage);
    case 'PlanAccepted': {
      const { planId, plan } = fact.data;
      const budget = plan.budget;
      if (budget) return charge(thread, fact.data.interactionId, (i) => ({ ...i, budgetPlanId: planId, budget: figures(budget.limitUsd, 0, 0, []) }));
      const i = getKeyed(thread.interactions, fact.data.interactionId);
      return i?.budget ? charge(thread, fact.data.interactionId, (x) => ({ ...x, budgetPlanId: null, budget: null })) : thread;
    }
    case 'StepStarted':
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepCancelled':
      return chargeStep(thread, fact);
    case 'InteractionCompleted':
    case 'InteractionFailed':
    case 'InteractionCancelled': {
      const i = getKeyed(thread.interactions, fact.data.interactionId);
      return i && Object.keys(i.reservations).length > 0 ? charge(thread, fact.data.interactionId, (x) => ({ ...x, reservations: {} })) : thread;
    }
    case 'BudgetExtended': {
      const { limitUsd, interactionId } = fact.data;
      if (interactionId === undefined) return { ...thread, budget: figures(limitUsd, 0, 0, []) };
      return charge(thread, interactionId, (i) => ({ ...i, budget: figures(limitUsd, 0, 0, []) }));
    }
    case 'BudgetWarned': {
      const { limitUsd } = fact.data;
      if (thread.warnedLimitsUsd.includes(limitUsd)) return thread;
      let t: ThreadCosts = { ...thread, warnedLimitsUsd: [...thread.warnedLimitsUsd, limitUsd] };
      // Rare (once per limit): refresh every interaction budget at that limit.
      for (const [id, i] of keyedEntries(thread.interactions)) if (i.budget?.limitUsd === limitUsd) t = charge(t, id, (x) => x);
      return t;
    }
    default:
      return thread;
  }
}

const emptyThread = (): ThreadCosts => ({ total: ZERO, models: {}, reservedUsd: 0, budget: null, warnedLimitsUsd: [], interactions: emptyKeyed() });

/** The `costs` projection (see the module docstring). */
export const costsProjection: Projection<CostsState> = {
  name: 'costs',
  version: 6,
  initialState: { threads: emptyKeyed() },
  evolve(state, fact) {
    const threadId = threadIdOf(fact);
    if (threadId === undefined) return state;
    const before = getKeyed(state.threads, threadId) ?? emptyThread();
    const after = evolveThread(before, fact);
    return after === before ? state : { threads: setKeyed(state.threads, threadId, settle(after)) };
  },
};
