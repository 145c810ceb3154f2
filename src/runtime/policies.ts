/**
 * Concurrency policies: what a thread does with new input while interactions are live
 * (started and not yet completed/failed/cancelled). Each policy is a pure function of the live
 * interactions, the queue length and the incoming input; the runtime records its decision as a
 * `PolicyApplied` fact and then performs it.
 *
 * - `interrupt`: cancel every live interaction and start a new one (the seed's InterruptAndStartNew).
 * - `reject`: refuse the input while anything is live (recorded, no interaction started).
 * - `enqueue`: FIFO queue; the head starts when no interaction is live any more.
 * - `parallel {max}`: start while fewer than `max` are live, otherwise enqueue (started when one ends).
 * - `steer`: merge the input into the most recently started live interaction (the seed's
 *   MergeIntoRunning); it sees it at its next planning step.
 * - `custom {name}`: a `PolicyFn` registered with the runtime under `name`.
 *
 * Rules applied before any policy (see `decidePolicy`): when no interaction is live, every policy
 * starts; when a live interaction is `waiting_input`, the input answers it (decision `steer`,
 * recorded as `InputMerged`), whatever the policy.
 */
import type { PolicyDecision, PolicySpec } from '../facts/facts/thread-facts.ts';

/** The part of an interaction view a policy looks at (an `InteractionView` fits). */
export interface LiveInteraction {
  interactionId: string;
  status: string;
}

/** An input offered to a policy. */
export interface PolicyInput {
  inputId: string;
  text: string;
  from?: string;
}

/** What a policy sees: live interactions in start order (oldest first), queue length, the input. */
export interface PolicyContext {
  live: readonly LiveInteraction[];
  queueLength: number;
  input: PolicyInput;
}

/**
 * A policy's answer. `targetInteractionId`: the interaction steered (`steer`) or interrupted
 * (`interrupt`, the oldest live one; every live one is cancelled). `reason`: one human sentence.
 */
export interface PolicyResult {
  decision: PolicyDecision;
  reason: string;
  targetInteractionId?: string;
}

/** A concurrency policy (built-in or custom). Must be pure and deterministic. */
export type PolicyFn = (ctx: PolicyContext) => PolicyResult;

const startIdle = (ctx: PolicyContext): PolicyResult | undefined =>
  ctx.live.length === 0 ? { decision: 'start', reason: 'no interaction is live' } : undefined;

/** Cancels the live interactions and starts a new one. */
export const interruptPolicy: PolicyFn = (ctx) =>
  startIdle(ctx) ?? {
    decision: 'interrupt',
    reason: `new input interrupts ${ctx.live.map((i) => i.interactionId).join(', ')}`,
    targetInteractionId: ctx.live[0]!.interactionId,
  };

/** Refuses input while anything is live. */
export const rejectPolicy: PolicyFn = (ctx) =>
  startIdle(ctx) ?? { decision: 'reject', reason: `interaction ${ctx.live[0]!.interactionId} is still live` };

/** Queues input (FIFO) while anything is live. */
export const enqueuePolicy: PolicyFn = (ctx) =>
  startIdle(ctx) ?? {
    decision: 'enqueue',
    reason: `queued at position ${ctx.queueLength + 1} behind ${ctx.live.length} live interaction(s)`,
  };

/** Merges input into the most recently started live interaction. */
export const steerPolicy: PolicyFn = (ctx) => {
  const idle = startIdle(ctx);
  if (idle) return idle;
  const target = ctx.live[ctx.live.length - 1]!;
  return { decision: 'steer', reason: `merged into ${target.interactionId}`, targetInteractionId: target.interactionId };
};

/**
 * Starts while fewer than `max` interactions are live and nothing is queued before this input
 * (FIFO is kept); otherwise enqueues.
 * @throws RangeError when `max` is not an integer ≥ 1.
 */
export function parallelPolicy(max: number): PolicyFn {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`parallel policy: max must be an integer >= 1, got ${max}`);
  return (ctx) => {
    if (ctx.live.length < max && ctx.queueLength === 0) {
      return { decision: 'start', reason: `${ctx.live.length} of at most ${max} interactions live` };
    }
    return { decision: 'enqueue', reason: `${ctx.live.length} of at most ${max} live; queued at position ${ctx.queueLength + 1}` };
  };
}

/** Short name of a policy spec as recorded in `PolicyApplied.policy`, e.g. `parallel(3)`, `custom:vip`. */
export function policyName(spec: PolicySpec): string {
  switch (spec.kind) {
    case 'parallel':
      return `parallel(${spec.max})`;
    case 'custom':
      return `custom:${spec.name}`;
    default:
      return spec.kind;
  }
}

/**
 * How many interactions may be live before a queued input may start: 1 for every policy except
 * `parallel {max}` (which allows `max`). The runtime starts the queue's head when fewer are live.
 */
export function queueCapacity(spec: PolicySpec): number {
  return spec.kind === 'parallel' ? spec.max : 1;
}
