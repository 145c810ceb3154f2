/**
 * The thread machine: a long-lived context holding its interactions, their input queue, its
 * concurrency policy and its budget (XState v5, pure). One per thread; events are facts.
 * Transition table (every other fact is illegal in that state):
 *
 * | state  | fact                                                        | → state |
 * |--------|-------------------------------------------------------------|---------|
 * | new    | ThreadOpened (threadId = this thread)                       | open    |
 * | open   | ThreadForked (threadId = this thread)                       | open    |
 * | closed | ThreadForked (threadId = this thread): a fork reopens        | open    |
 * | open   | ThreadClosed (no live interaction)                          | closed  |
 * | open   | InputReceived (inputId not undecided, startable or queued)  | open    |
 * | open   | PolicyApplied (inputId undecided; steer/interrupt name a live interaction; start/interrupt/steer name an interactionId) | open |
 * | open   | InteractionStarted (its inputId startable or the queue head; live count allowed by the policy) | open |
 * | open   | InteractionCompleted / InteractionFailed / InteractionCancelled (a live interaction) | open |
 * | open   | BudgetExtended without interactionId, BudgetWarned          | open    |
 * | open   | StepStarted (reservation), PlannerResponded / PlannerFailed (planner cost) | open |
 * | open, closed | StepCompleted / StepFailed / StepCancelled (cost; releases the reservation) | (same) |
 *
 * Policy limits on InteractionStarted: `parallel` allows `max` live interactions, `custom` any
 * number, every other policy one at a time (interrupt = cancel the running one first). Amounts USD.
 */
import { assign, setup } from 'xstate';
import type { Fact, FactData } from '../src/facts/fact-types.ts';
import type { PolicySpec } from '../src/facts/facts/thread-facts.ts';
import type { BudgetSpec } from '../src/plan/plan-schema.ts';
import { OrderedRecord } from '../src/core/ordered-record.ts';

/** An input waiting for something: a policy decision (undecided) or a free slot (queue). */
export interface PendingInput {
  inputId: string;
  text: string;
}

/** Context of a thread. */
export interface ThreadContext {
  threadId: string;
  title?: string;
  policy: PolicySpec;
  budget?: BudgetSpec;
  maxIterations: number;
  planner?: FactData<'ThreadOpened'>['planner'];
  /** Interactions started and not ended, in start order. */
  live: string[];
  /** Inputs received and not yet decided by the policy. */
  undecided: PendingInput[];
  /** Input ids decided `start`/`interrupt` whose interaction has not started yet. */
  startable: string[];
  /** Inputs decided `enqueue`, FIFO. */
  queue: PendingInput[];
  forkedFrom?: { threadId: string; revision: number };
  closeReason?: string;
  /** Recorded spend of the whole thread (steps + planner calls), USD. */
  spentUsd: number;
  /**
   * Budget held by running step attempts, by step key `${interactionId}/${planId}/${stepId}`, USD:
   * the plain record `plainRecord(reservations)` (src/core/ordered-record.ts), which every reader
   * (views, state digests, persisted JSON) sees. An OrderedRecord once a step started (O(1) per
   * change); a plain record in a new thread and in a snapshot restored from JSON.
   */
  reservations: OrderedRecord<number> | Readonly<Record<string, number>>;
  /** Limits at which a BudgetWarned was recorded, USD. */
  warnedLimitsUsd: number[];
}

/** What the thread machine is created with. */
export interface ThreadInput {
  threadId: string;
}

type Ctx = { context: ThreadContext; event: Fact };

const keyOf = (d: { interactionId: string; planId: string; stepId: string }): string => `${d.interactionId}/${d.planId}/${d.stepId}`;

/**
 * `reservations` without `key`, then with `key` set to `usd` (last in key order) unless `usd` is
 * undefined: a new version (the old one is never changed), in O(1) for the newest version of an OrderedRecord; a plain
 * record (a new thread's, a restored snapshot's) is made an OrderedRecord first, O(keys) once.
 */
function withReservation(reservations: ThreadContext['reservations'], key: string, usd: number | undefined): OrderedRecord<number> {
  const r = reservations instanceof OrderedRecord ? reservations : OrderedRecord.from(reservations);
  return usd === undefined ? r.delete(key) : r.delete(key).set(key, usd);
}

const hasReservation = (reservations: ThreadContext['reservations'], key: string): boolean =>
  reservations instanceof OrderedRecord ? reservations.has(key) : Object.hasOwn(reservations, key);

const settle = ({ context, event }: Ctx): Partial<ThreadContext> => {
  if (event.type !== 'StepCompleted' && event.type !== 'StepFailed' && event.type !== 'StepCancelled') return {};
  const key = keyOf(event.data);
  if (!hasReservation(context.reservations, key) && event.data.costUsd === 0) return { spentUsd: context.spentUsd };
  return { spentUsd: context.spentUsd + event.data.costUsd, reservations: withReservation(context.reservations, key, undefined) };
};

const canStart = (c: ThreadContext): boolean =>
  c.policy.kind === 'custom' ? true : c.policy.kind === 'parallel' ? c.live.length < c.policy.max : c.live.length === 0;

const knownInput = (c: ThreadContext, inputId: string): boolean =>
  c.undecided.some((i) => i.inputId === inputId) || c.startable.includes(inputId) || c.queue.some((i) => i.inputId === inputId);

/**
 * The source text of this module's helpers (each as `String(fn)` gives it, one per line): the
 * machine's guards and actions call them from outside its definition, so the snapshot cache's
 * machine hash adds this text (a changed helper is other machine code: cached snapshots folded by
 * the old one are not reused).
 */
export const THREAD_MACHINE_HELPERS_SOURCE: string = [keyOf, withReservation, hasReservation, settle, canStart, knownInput].map(String).join('\n');

/** The thread machine. Snapshot value: 'new' | 'open' | 'closed'. */
export const threadMachine = setup({
  types: {
    context: {} as ThreadContext,
    events: {} as Fact,
    input: {} as ThreadInput,
  },
  guards: {
    thisThread: ({ context, event }) =>
      (event.type === 'ThreadOpened' || event.type === 'ThreadForked') && event.data.threadId === context.threadId,
    liveInteraction: ({ context, event }) =>
      (event.type === 'InteractionCompleted' || event.type === 'InteractionFailed' || event.type === 'InteractionCancelled') &&
      context.live.includes(event.data.interactionId),
  },
  actions: {
    settle: assign(settle),
    endInteraction: assign(({ context, event }) =>
      event.type === 'InteractionCompleted' || event.type === 'InteractionFailed' || event.type === 'InteractionCancelled'
        ? { live: context.live.filter((id) => id !== event.data.interactionId) }
        : {},
    ),
    plannerCost: assign(({ context, event }) =>
      event.type === 'PlannerResponded' || event.type === 'PlannerFailed'
        ? { spentUsd: context.spentUsd + (event.data.usage?.costUsd ?? 0) }
        : {},
    ),
    fork: assign(({ event }) =>
      event.type === 'ThreadForked' ? { forkedFrom: { ...event.data.from }, closeReason: undefined } : {},
    ),
  },
}).createMachine({
  id: 'thread',
  initial: 'new',
  context: ({ input }) => ({
    threadId: input.threadId,
    policy: { kind: 'reject' },
    maxIterations: 8,
    live: [],
    undecided: [],
    startable: [],
    queue: [],
    spentUsd: 0,
    reservations: {},
    warnedLimitsUsd: [],
  }),
  states: {
    new: {
      on: {
        ThreadOpened: {
          target: 'open',
          guard: 'thisThread',
          actions: assign(({ event }) => ({
            policy: event.data.policy,
            maxIterations: event.data.maxIterations,
            ...(event.data.title !== undefined ? { title: event.data.title } : {}),
            ...(event.data.budget !== undefined ? { budget: event.data.budget } : {}),
            ...(event.data.planner !== undefined ? { planner: event.data.planner } : {}),
          })),
        },
      },
    },
    open: {
      on: {
        ThreadForked: { guard: 'thisThread', actions: 'fork' },
        ThreadClosed: {
          target: 'closed',
          guard: ({ context }) => context.live.length === 0,
          actions: assign(({ event }) => ({ closeReason: event.data.reason })),
        },
        InputReceived: {
          guard: ({ context, event }) => !knownInput(context, event.data.inputId),
          actions: assign(({ context, event }) => ({
            undecided: [...context.undecided, { inputId: event.data.inputId, text: event.data.text }],
          })),
        },
        PolicyApplied: {
          guard: ({ context, event }) => {
            const d = event.data;
            if (!context.undecided.some((i) => i.inputId === d.inputId)) return false;
            if (d.decision === 'steer') return d.interactionId !== undefined && context.live.includes(d.interactionId);
            if (d.decision === 'interrupt') {
              return d.interactionId !== undefined && d.interruptedId !== undefined && context.live.includes(d.interruptedId);
            }
            if (d.decision === 'start') return d.interactionId !== undefined;
            return true;
          },
          actions: assign(({ context, event }) => {
            const d = event.data;
            const input = context.undecided.find((i) => i.inputId === d.inputId)!;
            const undecided = context.undecided.filter((i) => i.inputId !== d.inputId);
            if (d.decision === 'enqueue') return { undecided, queue: [...context.queue, input] };
            if (d.decision === 'start' || d.decision === 'interrupt') return { undecided, startable: [...context.startable, d.inputId] };
            return { undecided };
          }),
        },
        InteractionStarted: {
          guard: ({ context, event }) =>
            canStart(context) &&
            !context.live.includes(event.data.interactionId) &&
            (context.startable.includes(event.data.inputId) || context.queue[0]?.inputId === event.data.inputId),
          actions: assign(({ context, event }) => ({
            live: [...context.live, event.data.interactionId],
            startable: context.startable.filter((id) => id !== event.data.inputId),
            queue: context.queue[0]?.inputId === event.data.inputId ? context.queue.slice(1) : context.queue,
          })),
        },
        InteractionCompleted: { guard: 'liveInteraction', actions: 'endInteraction' },
        InteractionFailed: { guard: 'liveInteraction', actions: 'endInteraction' },
        InteractionCancelled: { guard: 'liveInteraction', actions: 'endInteraction' },
        BudgetExtended: {
          guard: ({ event }) => event.data.interactionId === undefined,
          actions: assign(({ context, event }) => ({
            budget: { warnAt: 0.9, onExceed: 'approve' as const, ...context.budget, limitUsd: event.data.limitUsd },
          })),
        },
        BudgetWarned: {
          actions: assign(({ context, event }) => ({
            warnedLimitsUsd: context.warnedLimitsUsd.includes(event.data.limitUsd)
              ? context.warnedLimitsUsd
              : [...context.warnedLimitsUsd, event.data.limitUsd],
          })),
        },
        StepStarted: {
          actions: assign(({ context, event }) => ({
            reservations: withReservation(context.reservations, keyOf(event.data), event.data.reservedUsd),
          })),
        },
        PlannerResponded: { actions: 'plannerCost' },
        PlannerFailed: { actions: 'plannerCost' },
        StepCompleted: { actions: 'settle' },
        StepFailed: { actions: 'settle' },
        StepCancelled: { actions: 'settle' },
      },
    },
    closed: {
      on: {
        ThreadForked: { target: 'open', guard: 'thisThread', actions: 'fork' },
        StepCompleted: { actions: 'settle' },
        StepFailed: { actions: 'settle' },
        StepCancelled: { actions: 'settle' },
      },
    },
  },
});
