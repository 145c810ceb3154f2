/**
 * The interaction machine: one trigger→response attempt running the agent loop (XState v5, pure).
 *
 * Created by InteractionStarted (input: its data) in `live.observing`; the runtime decides what
 * comes next. Events are facts; the fold routes to it only the facts naming its `interactionId`.
 * Transition table (every other fact is illegal in that state):
 *
 * | state                       | fact                                            | → state            |
 * |-----------------------------|-------------------------------------------------|--------------------|
 * | observing                   | PlanningRequested (iteration = iteration+1 ≤ max)| planning           |
 * | planning                    | PlannerResponded (same iteration)               | deciding           |
 * | planning                    | PlannerFailed (same iteration)                  | observing (error)  |
 * | deciding                    | PlanAccepted (same iteration, new planId, output single_action/mini_plan) | executing |
 * | deciding                    | PlanRejected (same iteration)                   | observing (error is an observation) |
 * | deciding                    | InteractionCompleted (output done)              | completed (final)  |
 * | deciding                    | InputRequested (output need_input)              | waiting_input      |
 * | executing                   | ApprovalRequested (current plan)                | waiting_approval   |
 * | executing                   | PlanFinished (current plan, every step settled) | observing          |
 * | waiting_approval            | ApprovalRequested (current plan)                | waiting_approval   |
 * | waiting_approval            | ApprovalGranted/Rejected (pending id)           | waiting_approval, or executing when none is pending |
 * | executing, waiting_approval | StepStarted (current plan)                      | (same)             |
 * | executing, waiting_approval, interrupted | StepCompleted, final StepFailed, StepCancelled (current plan, step not settled yet) | (same; observation recorded) |
 * | waiting_approval            | StepCancelled withdrawing the last pending approval | executing (observation recorded) |
 * | waiting_input               | InputMerged                                     | observing          |
 * | any other live state, interrupted | InputMerged (steer)                       | (same)             |
 * | any live state              | Interrupted                                     | interrupted (history kept) |
 * | interrupted                 | Resumed                                         | the state it was interrupted in (history state); executing instead of waiting_approval when no approval is pending any more |
 * | any live state, interrupted | InteractionCancelled / InteractionFailed        | cancelled / failed (final) |
 * | any live state, interrupted | BudgetExtended (this interaction)               | (same)             |
 *
 * An Interrupted of kind `before_step`/`after_step` naming a `stepId` while a plan is current is
 * also remembered in `stepPauses` (the scheduler takes each step's pause point once).
 *
 * "Live states" are the children of `live`: observing, planning, deciding, executing,
 * waiting_approval, waiting_input. PlanningRequested past `maxIterations` is refused: the runtime
 * must append InteractionFailed (code MAX_ITERATIONS) instead.
 *
 * A step settles (counts for PlanFinished, adds an Observation) by StepCompleted, a final
 * StepFailed, StepCancelled, or an ApprovalRejected naming it (`stepId`: its step/budget approval
 * was rejected by a person or timed out, so its step is cancelled; observation status 'cancelled',
 * error `cancelled: rejected by <by>[: <reason>]` or `cancelled: approval timed out[: <reason>]`).
 * A StepCancelled of a step that waits for approval withdraws that approval: the fold, which sees the
 * step, annotates the event with `pendingApprovalId` (see `StepCancelledEvent`) and the machine drops
 * it from `pendingApprovals`.
 *
 * Rows that apply to several states are one shared transition object each (see "transitions shared
 * by several states" below), referenced by every state the row names; there are no extra parent
 * states, so state values are as in the table.
 */
import { AppendSeq } from '../src/core/append-seq.ts';
import { assign, setup } from 'xstate';
import type { FactOf } from '../src/facts/fact-types.ts';
import { actionOf, currentPlan, outcomeObservation, rejectionReason, setPlanApproval, stepById, withdrawnApproval } from './interaction-context.ts';
import type { InteractionContext, InteractionEvent, InteractionInput, LiveInteractionState, Observation } from './interaction.types.ts';

export type * from './interaction.types.ts';
export { reviveInteractionContext } from './interaction-revive.ts';

type Ctx = { context: InteractionContext; event: InteractionEvent };

const sameIteration = ({ context, event }: Ctx): boolean =>
  'iteration' in event.data && event.data.iteration === context.iteration;

/** A step outcome for a step of the current plan that has not settled yet. */
const unsettledStepOfCurrentPlan = ({ context, event }: Ctx): boolean => {
  if (event.type !== 'StepCompleted' && event.type !== 'StepFailed' && event.type !== 'StepCancelled') return false;
  if (event.type === 'StepFailed' && event.data.retryAtMs !== null) return false;
  const plan = currentPlan(context);
  const stepId = event.data.stepId;
  return (
    plan !== undefined &&
    event.data.planId === plan.planId &&
    stepById(plan.plan.steps).has(stepId) &&
    !context.settledSteps.includes(stepId)
  );
};

/** A step outcome settles its step: its observation is recorded, and the approval it withdraws (if any) dropped. */
const observe = ({ context, event }: Ctx): Partial<InteractionContext> => {
  if (event.type !== 'StepCompleted' && event.type !== 'StepFailed' && event.type !== 'StepCancelled') return {};
  const stepId = event.data.stepId;
  const obs = outcomeObservation(event, actionOf(context, stepId));
  const withdrawn = withdrawnApproval(context, event);
  return {
    observations: context.observations.append(obs),
    settledSteps: context.settledSteps.append(stepId),
    ...(withdrawn !== undefined ? { pendingApprovals: context.pendingApprovals.filter((id) => id !== withdrawn) } : {}),
  };
};

/** StepCancelled (unsettled step) that withdraws the last pending approval. */
const withdrawsLastApproval = (ctx: Ctx): boolean =>
  unsettledStepOfCurrentPlan(ctx) && ctx.context.pendingApprovals.length === 1 && withdrawnApproval(ctx.context, ctx.event) !== undefined;

const approvalOfCurrentPlan = ({ context, event }: Ctx): boolean =>
  event.type === 'ApprovalRequested' &&
  event.data.planId === context.currentPlanId &&
  !context.pendingApprovals.includes(event.data.approvalId);

const pendingApproval = ({ context, event }: Ctx): boolean =>
  (event.type === 'ApprovalGranted' || event.type === 'ApprovalRejected') && context.pendingApprovals.includes(event.data.approvalId);

const onlyPendingApproval = (ctx: Ctx): boolean => pendingApproval(ctx) && ctx.context.pendingApprovals.length === 1;

// ---- transitions shared by several states (one object each; the states reference it) -------------

/** Interrupted in live state `from`: to `interrupted`, remembering `from` (the `interrupt` action). */
const interruptedIn = (from: LiveInteractionState) =>
  ({ target: '#interaction.interrupted', actions: { type: 'interrupt', params: { from } } }) as const;

/** StepStarted of the current plan (executing, waiting_approval). */
const stepStarted = { guard: 'stepOfCurrentPlan', actions: 'countStart' } as const;

/** A step outcome settling a step of the current plan: records its observation, state unchanged. */
const stepOutcome = { guard: 'unsettledStepOfCurrentPlan', actions: 'observe' } as const;

/** StepCompleted, final StepFailed and StepCancelled (executing, waiting_approval, interrupted). */
const stepOutcomes = { StepCompleted: stepOutcome, StepFailed: stepOutcome, StepCancelled: stepOutcome } as const;

/** ApprovalGranted/ApprovalRejected while waiting: back to executing when it was the last pending one. */
const approvalDecided = [
  { target: 'executing', guard: 'onlyPendingApproval', actions: 'decideApproval' },
  { guard: 'pendingApproval', actions: 'decideApproval' },
] as const;

/**
 * What every live state and `interrupted` accept alike: InteractionCancelled/InteractionFailed end
 * the interaction; InputMerged (steer) and its own BudgetExtended are recorded, state unchanged.
 * (`live` has them for its children; `interrupted` is a sibling of `live`, so it lists them too.)
 */
const liveOrInterrupted = {
  InteractionCancelled: {
    target: 'cancelled',
    actions: assign<InteractionContext, FactOf<'InteractionCancelled'>, undefined, InteractionEvent, never>(({ event }) => ({ cancelReason: event.data.reason })),
  },
  InteractionFailed: {
    target: 'failed',
    actions: assign<InteractionContext, FactOf<'InteractionFailed'>, undefined, InteractionEvent, never>(({ event }) => ({ error: event.data.error })),
  },
  InputMerged: { actions: 'mergeInput' },
  BudgetExtended: { guard: 'ownBudget', actions: 'extendBudget' },
} as const;

/** Resumed (either branch): forgets where and why it was interrupted. */
const forgetInterrupt = assign<InteractionContext, FactOf<'Resumed'>, undefined, InteractionEvent, never>({ resumeTo: undefined, interrupt: undefined });

/** The interaction machine. Snapshot value: `{ live: <LiveInteractionState> }` or a final/interrupted state name. */
export const interactionMachine = setup({
  types: {
    context: {} as InteractionContext,
    events: {} as InteractionEvent,
    input: {} as InteractionInput,
  },
  guards: {
    sameIteration,
    unsettledStepOfCurrentPlan,
    approvalOfCurrentPlan,
    pendingApproval,
    onlyPendingApproval,
    withdrawsLastApproval,
    stepOfCurrentPlan: ({ context, event }) => event.type === 'StepStarted' && event.data.planId === context.currentPlanId,
    ownBudget: ({ event }) => event.type === 'BudgetExtended' && event.data.interactionId !== undefined,
  },
  actions: {
    observe: assign(observe),
    mergeInput: assign(({ context, event }) =>
      event.type === 'InputMerged' ? { mergedInputs: [...context.mergedInputs, event.data.text] } : {},
    ),
    // runs after mergeInput: the answer is the last merged input
    recordAnswer: assign(({ context, event }) =>
      event.type === 'InputMerged' && event.data.question !== undefined
        ? { answered: [...(context.answered ?? []), { question: event.data.question, inputIndex: context.mergedInputs.length - 1 }] }
        : {},
    ),
    requestApproval: assign(({ context, event }) => {
      if (event.type !== 'ApprovalRequested') return {};
      const d = event.data;
      const plans =
        d.stepId === undefined
          ? setPlanApproval(context.plans, d.planId, () => ({
              approvalId: d.approvalId,
              status: 'requested',
              requestedAtMs: d.requestedAtMs,
              ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}),
            }))
          : context.plans;
      return { pendingApprovals: [...context.pendingApprovals, d.approvalId], plans };
    }),
    decideApproval: assign(({ context, event }) => {
      if (event.type !== 'ApprovalGranted' && event.type !== 'ApprovalRejected') return {};
      const d = event.data;
      const status = event.type === 'ApprovalGranted' ? ('granted' as const) : ('rejected' as const);
      const plans = setPlanApproval(context.plans, d.planId, (a) => (a?.approvalId === d.approvalId ? { ...a, status } : undefined));
      const decided = { pendingApprovals: context.pendingApprovals.filter((id) => id !== d.approvalId), plans };
      const stepId = d.stepId;
      // a rejected step/budget approval cancels its step: the step settles with a 'cancelled' observation
      if (
        event.type !== 'ApprovalRejected' ||
        stepId === undefined ||
        d.planId !== context.currentPlanId ||
        !(currentPlan(context) !== undefined && stepById(currentPlan(context)!.plan.steps).has(stepId)) ||
        context.settledSteps.includes(stepId)
      ) {
        return decided;
      }
      const obs: Observation = {
        planId: d.planId,
        stepId,
        action: actionOf(context, stepId),
        status: 'cancelled',
        error: `cancelled: ${rejectionReason(event.data)}`,
      };
      return { ...decided, observations: context.observations.append(obs), settledSteps: context.settledSteps.append(stepId) };
    }),
    /** Remembers the live state it was interrupted in (`params.from`) and why. */
    interrupt: assign(({ context, event }, params: { from: LiveInteractionState }) => {
      if (event.type !== 'Interrupted') return {};
      const d = event.data;
      const planId = context.currentPlanId;
      const pause =
        (d.kind === 'before_step' || d.kind === 'after_step') && d.stepId !== undefined && planId !== undefined
          ? { stepPauses: [...(context.stepPauses ?? []), { planId, stepId: d.stepId, kind: d.kind }] }
          : {};
      return {
        ...pause,
        resumeTo: params.from,
        interrupt: {
          kind: d.kind,
          ...(d.stepId !== undefined ? { stepId: d.stepId } : {}),
          ...(d.reason !== undefined ? { reason: d.reason } : {}),
        },
      };
    }),
    extendBudget: assign(({ event }) => (event.type === 'BudgetExtended' ? { budgetLimitUsd: event.data.limitUsd } : {})),
    countStart: assign(({ context }) => ({ stepsStarted: context.stepsStarted + 1 })),
  },
}).createMachine({
  id: 'interaction',
  initial: 'live',
  context: ({ input }) => ({
    interactionId: input.interactionId,
    inputId: input.inputId,
    input: input.text,
    mergedInputs: [],
    iteration: 0,
    maxIterations: input.maxIterations,
    plans: [],
    settledSteps: AppendSeq.empty<string>(),
    observations: AppendSeq.empty<Observation>(),
    pendingApprovals: [],
    stepsStarted: 0,
  }),
  states: {
    live: {
      initial: 'observing',
      on: liveOrInterrupted,
      states: {
        hist: { type: 'history', history: 'shallow' },
        observing: {
          on: {
            Interrupted: interruptedIn('observing'),
            PlanningRequested: {
              target: 'planning',
              guard: ({ context, event }) => event.data.iteration === context.iteration + 1 && context.iteration < context.maxIterations,
              actions: assign(({ event }) => ({ iteration: event.data.iteration })),
            },
          },
        },
        planning: {
          on: {
            Interrupted: interruptedIn('planning'),
            PlannerResponded: {
              target: 'deciding',
              guard: 'sameIteration',
              actions: assign(({ event }) => ({ lastOutput: event.data.output, error: undefined })),
            },
            PlannerFailed: {
              target: 'observing',
              guard: 'sameIteration',
              actions: assign(({ event }) => ({ error: event.data.error })),
            },
          },
        },
        deciding: {
          on: {
            Interrupted: interruptedIn('deciding'),
            PlanAccepted: {
              target: 'executing',
              guard: ({ context, event }) =>
                event.data.iteration === context.iteration &&
                (context.lastOutput?.kind === 'single_action' || context.lastOutput?.kind === 'mini_plan') &&
                !context.plans.some((p) => p.planId === event.data.planId),
              actions: assign(({ context, event }) => ({
                plans: [...context.plans, { planId: event.data.planId, iteration: event.data.iteration, plan: event.data.plan }],
                currentPlanId: event.data.planId,
                settledSteps: AppendSeq.empty<string>(),
              })),
            },
            PlanRejected: {
              target: 'observing',
              guard: 'sameIteration',
              actions: assign(({ context, event }) => ({
                error: event.data.error,
                observations: context.observations.append({
                  planId: '',
                  stepId: '',
                  action: '(plan)',
                  status: 'failed' as const,
                  error: `plan rejected: ${event.data.error.message}`,
                }),
              })),
            },
            InteractionCompleted: {
              target: '#interaction.completed',
              guard: ({ context }) => context.lastOutput?.kind === 'done',
              actions: assign(({ event }) => ({ answer: event.data.answer })),
            },
            InputRequested: {
              target: 'waiting_input',
              guard: ({ context }) => context.lastOutput?.kind === 'need_input',
              actions: assign(({ event }) => ({ question: event.data.question })),
            },
          },
        },
        executing: {
          on: {
            Interrupted: interruptedIn('executing'),
            ApprovalRequested: { target: 'waiting_approval', guard: 'approvalOfCurrentPlan', actions: 'requestApproval' },
            PlanFinished: {
              target: 'observing',
              guard: ({ context, event }) =>
                event.data.planId === context.currentPlanId &&
                context.settledSteps.length === (currentPlan(context)?.plan.steps.length ?? -1),
              actions: assign(() => ({ currentPlanId: undefined, settledSteps: AppendSeq.empty<string>() })),
            },
            StepStarted: stepStarted,
            ...stepOutcomes,
          },
        },
        waiting_approval: {
          on: {
            Interrupted: interruptedIn('waiting_approval'),
            ApprovalRequested: { guard: 'approvalOfCurrentPlan', actions: 'requestApproval' },
            ApprovalGranted: approvalDecided,
            ApprovalRejected: approvalDecided,
            StepStarted: stepStarted,
            // overrides stepOutcomes' StepCancelled in place (key order kept); the withdrawing branch is tried first
            ...stepOutcomes,
            StepCancelled: [{ target: 'executing', guard: 'withdrawsLastApproval', actions: 'observe' }, stepOutcome],
          },
        },
        waiting_input: {
          on: {
            Interrupted: interruptedIn('waiting_input'),
            InputMerged: {
              target: 'observing',
              actions: ['mergeInput', assign({ question: undefined }), 'recordAnswer'],
            },
          },
        },
      },
    },
    interrupted: {
      on: {
        Resumed: [
          {
            // the approvals it waited for were withdrawn while interrupted (their steps cancelled)
            target: 'live.executing',
            guard: ({ context }) => context.resumeTo === 'waiting_approval' && context.pendingApprovals.length === 0,
            actions: forgetInterrupt,
          },
          { target: 'live.hist', actions: forgetInterrupt },
        ],
        ...liveOrInterrupted,
        ...stepOutcomes,
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
