/**
 * The step machine: the lifecycle of one step of an accepted plan (XState v5, pure).
 *
 * Created in `pending` by PlanAccepted (input: interaction id, plan id, step spec), keyed
 * `${interactionId}/${planId}/${stepId}`. Its events are facts (`Fact` of src/facts/fact-types.ts);
 * the fold only routes the facts naming this step to it. Which fact is legal in which state, and the
 * state it leads to, is decided by the pure `stepLifecycleAfter` of `step-lifecycle.ts` (every guard
 * below asks it), the one definition the projections fold too. Transition table (every other fact is illegal):
 *
 * | state            | fact                                   | → state          |
 * |------------------|----------------------------------------|------------------|
 * | pending          | StepReady (histories before readiness was derived) | ready |
 * | pending (dependencies done), ready | ApprovalRequested (scope step/budget) | waiting_approval |
 * | waiting_approval | ApprovalGranted (same approvalId)      | ready            |
 * | waiting_approval | ApprovalRejected (same approvalId)     | cancelled        |
 * | pending (dependencies done), ready | StepStarted (attempt = attempts + 1) | running |
 * | pending (dependencies done), ready | StepFailed retryAtMs=null, attempt = attempts + 1 (failed before its action ran) | failed |
 * | running          | StepProgressed (attempt = attempts)    | running          |
 * | running          | StepCompleted (attempt = attempts)     | completed        |
 * | running          | StepFailed retryAtMs≠null, attempts < maxAttempts | ready |
 * | running          | StepFailed retryAtMs=null              | failed           |
 * | pending, ready, waiting_approval, running | StepCancelled | cancelled        |
 *
 * "pending (dependencies done)": the event's `dependenciesDone` is true (`StepEvent` of
 * step-lifecycle.ts; the fold sets it from the plan and the other steps' states). A step is not made
 * ready by a fact any more; older histories carry StepReady, which still takes pending → ready.
 *
 * `maxAttempts` = `step.retry.maxAttempts` (1 without a retry policy). Amounts in USD, times in ms
 * since epoch (from the facts; the machine reads no clock).
 */
import { assign, setup } from 'xstate';
import type { FactOf } from '../src/facts/fact-types.ts';
import type { ApprovalSubject } from '../src/facts/facts/approval-facts.ts';
import type { ErrorInfo } from '../src/facts/facts/common.ts';
import type { StepSpec } from '../src/plan/plan-schema.ts';
import { stepLifecycleAfter, type StepEvent, type StepStatus } from './step-lifecycle.ts';

/** Approval state of a step (step- or budget-scoped approvals only). */
export interface StepApproval {
  approvalId: string;
  scope: 'step' | 'budget';
  status: 'requested' | 'granted' | 'rejected';
  requestedAtMs: number;
  timeoutMs?: number;
  /** Who granted/rejected it, and whether the rejection was a timeout. */
  by?: string;
  timedOut?: boolean;
  /** The action and resolved input the approval was asked for (absent in older facts). */
  subject?: ApprovalSubject;
}

/** What the step machine is created with (from PlanAccepted). */
export interface StepInput {
  interactionId: string;
  planId: string;
  step: StepSpec;
}

/** Context of a step. */
export interface StepContext extends StepInput {
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  /** Earliest start of the next attempt after a retry, ms since epoch. */
  readyAtMs?: number;
  /** Start of the current attempt, ms since epoch (running only). */
  startedAtMs?: number;
  idempotencyKey?: string;
  /**
   * The input recorded in the current attempt's StepStarted (references resolved): what the attempt
   * runs. Absent when that fact has none (older facts). Not part of the state hash (see
   * `UNHASHED_CONTEXT_KEYS` in src/history/fold/state-digest.ts): it is a copy of a recorded fact field.
   */
  startedInput?: unknown;
  lastProgress?: { message: string; data?: unknown };
  output?: unknown;
  error?: ErrorInfo;
  /** Why it was cancelled, and what the action had produced. */
  cancelReason?: string;
  partialOutput?: unknown;
  approval?: StepApproval;
  /** Budget held by the running attempt, USD. */
  reservedUsd: number;
  /** Recorded cost of all attempts, USD. */
  spentUsd: number;
}

/**
 * Guard: `stepLifecycleAfter` takes the step from `from` to `target` on this fact. The guard carries
 * `from` and `target` as own properties: its source text is the same for every pair, and the snapshot
 * cache's machine hash sees a function's own properties (not the variables it closes over).
 */
const moves = (from: StepStatus, target: StepStatus) =>
  Object.assign(
    ({ context, event }: { context: StepContext; event: StepEvent }): boolean =>
      stepLifecycleAfter({ status: from, attempts: context.attempts, maxAttempts: context.maxAttempts, approvalId: context.approval?.approvalId ?? null }, event)?.status === target,
    { from, target },
  );

const requestApproval = (event: FactOf<'ApprovalRequested'>): Partial<StepContext> => ({
  approval: {
    approvalId: event.data.approvalId,
    scope: event.data.scope === 'budget' ? 'budget' : 'step',
    status: 'requested',
    requestedAtMs: event.data.requestedAtMs,
    ...(event.data.timeoutMs !== undefined ? { timeoutMs: event.data.timeoutMs } : {}),
    ...(event.data.subject !== undefined ? { subject: event.data.subject } : {}),
  },
});

/**
 * The transitions of a step that may start, from `from`: `ready`, or `pending` when the event says
 * its dependencies are done (the guards ask `stepLifecycleAfter`, which checks that).
 */
const mayStart = (from: 'pending' | 'ready') =>
  ({
    ApprovalRequested: { target: 'waiting_approval', guard: moves(from, 'waiting_approval'), actions: 'recordApprovalRequest' },
    StepCancelled: { target: 'cancelled', guard: moves(from, 'cancelled'), actions: 'recordCancel' },
    // an attempt that fails before its action runs (unknown action, bad reference, budget exceeded)
    StepFailed: { target: 'failed', guard: moves(from, 'failed'), actions: 'recordFailureBeforeRun' },
    StepStarted: { target: 'running', guard: moves(from, 'running'), actions: 'recordStart' },
  }) as const;

/**
 * The source text of this module's helpers (each as `String(fn)` gives it, one per line): the
 * machine's guards and actions call them from outside its definition, so the snapshot cache's
 * machine hash adds this text (with `STEP_LIFECYCLE_SOURCE`, the lifecycle its guards ask).
 */
export const STEP_MACHINE_HELPERS_SOURCE: string = [moves, requestApproval, mayStart].map(String).join('\n');

/** The step machine. Snapshot value: one of the StepStatus strings of src/executor/plan-run-view.ts. */
export const stepMachine = setup({
  types: {
    context: {} as StepContext,
    events: {} as StepEvent,
    input: {} as StepInput,
  },
  actions: {
    recordApprovalRequest: assign(({ event }) => (event.type === 'ApprovalRequested' ? requestApproval(event) : {})),
    recordFailureBeforeRun: assign(({ context, event }) => {
      if (event.type !== 'StepFailed') return {};
      return { attempts: event.data.attempt, error: event.data.error, spentUsd: context.spentUsd + event.data.costUsd, readyAtMs: undefined, lastProgress: undefined };
    }),
    recordStart: assign(({ event }) => {
      if (event.type !== 'StepStarted') return {};
      return {
        attempts: event.data.attempt,
        startedAtMs: event.data.startedAtMs,
        idempotencyKey: event.data.idempotencyKey,
        startedInput: event.data.input,
        reservedUsd: event.data.reservedUsd,
        readyAtMs: undefined,
        lastProgress: undefined,
      };
    }),
    recordCancel: assign(({ context, event }) => {
      if (event.type !== 'StepCancelled') return {};
      return {
        cancelReason: event.data.reason,
        partialOutput: event.data.partialOutput,
        spentUsd: context.spentUsd + event.data.costUsd,
        reservedUsd: 0,
        startedAtMs: undefined,
      };
    }),
  },
}).createMachine({
  id: 'step',
  initial: 'pending',
  context: ({ input }) => ({
    interactionId: input.interactionId,
    planId: input.planId,
    step: input.step,
    attempts: 0,
    maxAttempts: input.step.retry?.maxAttempts ?? 1,
    reservedUsd: 0,
    spentUsd: 0,
  }),
  states: {
    pending: {
      on: {
        StepReady: { target: 'ready', guard: moves('pending', 'ready') },
        // a pending step whose dependencies are done is ready (`dependenciesDone` on the event)
        ...mayStart('pending'),
      },
    },
    ready: { on: mayStart('ready') },
    waiting_approval: {
      on: {
        StepCancelled: { target: 'cancelled', guard: moves('waiting_approval', 'cancelled'), actions: 'recordCancel' },
        ApprovalGranted: {
          target: 'ready',
          guard: moves('waiting_approval', 'ready'),
          actions: assign(({ context, event }) => ({
            approval: { ...context.approval!, status: 'granted' as const, by: event.data.by },
          })),
        },
        ApprovalRejected: {
          target: 'cancelled',
          guard: moves('waiting_approval', 'cancelled'),
          actions: assign(({ context, event }) => ({
            approval: { ...context.approval!, status: 'rejected' as const, by: event.data.by, timedOut: event.data.timedOut },
            cancelReason: event.data.timedOut ? 'approval timed out' : `rejected by ${event.data.by}`,
          })),
        },
      },
    },
    running: {
      on: {
        StepCancelled: { target: 'cancelled', guard: moves('running', 'cancelled'), actions: 'recordCancel' },
        StepProgressed: {
          guard: moves('running', 'running'),
          actions: assign(({ event }) => ({
            lastProgress: { message: event.data.message, ...(event.data.data !== undefined ? { data: event.data.data } : {}) },
          })),
        },
        StepCompleted: {
          target: 'completed',
          guard: moves('running', 'completed'),
          actions: assign(({ context, event }) => ({
            output: event.data.output,
            error: undefined,
            spentUsd: context.spentUsd + event.data.costUsd,
            reservedUsd: 0,
            startedAtMs: undefined,
          })),
        },
        StepFailed: [
          {
            target: 'ready',
            guard: moves('running', 'ready'),
            actions: assign(({ context, event }) => ({
              error: event.data.error,
              readyAtMs: event.data.retryAtMs ?? undefined,
              spentUsd: context.spentUsd + event.data.costUsd,
              reservedUsd: 0,
              startedAtMs: undefined,
            })),
          },
          {
            target: 'failed',
            guard: moves('running', 'failed'),
            actions: assign(({ context, event }) => ({
              error: event.data.error,
              spentUsd: context.spentUsd + event.data.costUsd,
              reservedUsd: 0,
              startedAtMs: undefined,
            })),
          },
        ],
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
