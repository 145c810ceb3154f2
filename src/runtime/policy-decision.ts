/**
 * Resolves a thread's `PolicySpec` to a policy function and decides one input, applying the rules
 * every policy shares (see `policies.ts`): idle thread → `start`; a live interaction waiting for
 * input → `steer` into it (the input answers its question). Custom decisions are checked.
 */
import type { PolicySpec } from '../facts/facts/thread-facts.ts';
import { InvalidPolicyDecisionError, UnknownPolicyError } from './command-errors.ts';
import {
  enqueuePolicy,
  interruptPolicy,
  parallelPolicy,
  policyName,
  rejectPolicy,
  steerPolicy,
  type PolicyContext,
  type PolicyFn,
  type PolicyResult,
} from './policies.ts';

/**
 * The policy function of `spec`.
 * @throws UnknownPolicyError `custom {name}` with no function registered under `name` in `custom`.
 */
export function resolvePolicy(spec: PolicySpec, custom: Readonly<Record<string, PolicyFn>> = {}): PolicyFn {
  switch (spec.kind) {
    case 'interrupt':
      return interruptPolicy;
    case 'reject':
      return rejectPolicy;
    case 'enqueue':
      return enqueuePolicy;
    case 'steer':
      return steerPolicy;
    case 'parallel':
      return parallelPolicy(spec.max);
    case 'custom': {
      const fn = Object.prototype.hasOwnProperty.call(custom, spec.name) ? custom[spec.name] : undefined;
      if (!fn) throw new UnknownPolicyError(spec.name, Object.keys(custom));
      return fn;
    }
  }
}

/**
 * Decides what to do with `ctx.input` under `spec`.
 * @returns the decision; for `steer`/`interrupt`, `targetInteractionId` names a live interaction.
 * @throws UnknownPolicyError see `resolvePolicy`.
 * @throws InvalidPolicyDecisionError a custom policy returned an unknown decision, or `steer`/
 *   `interrupt` without a live `targetInteractionId`, or `interrupt` while nothing is live.
 */
export function decidePolicy(spec: PolicySpec, ctx: PolicyContext, custom: Readonly<Record<string, PolicyFn>> = {}): PolicyResult {
  if (ctx.live.length === 0) return { decision: 'start', reason: 'no interaction is live' };
  const waiting = ctx.live.find((i) => i.status === 'waiting_input');
  if (waiting) {
    return { decision: 'steer', reason: `answers the question of ${waiting.interactionId}`, targetInteractionId: waiting.interactionId };
  }
  const result = resolvePolicy(spec, custom)(ctx);
  const name = policyName(spec);
  const liveIds = new Set(ctx.live.map((i) => i.interactionId));
  switch (result.decision) {
    case 'start':
    case 'reject':
    case 'enqueue':
      return result;
    case 'steer':
    case 'interrupt':
      if (result.targetInteractionId === undefined || !liveIds.has(result.targetInteractionId)) {
        throw new InvalidPolicyDecisionError(
          name,
          `'${result.decision}' needs targetInteractionId naming a live interaction (live: ${[...liveIds].join(', ')}), got ${String(result.targetInteractionId)}`,
        );
      }
      return result;
    default:
      throw new InvalidPolicyDecisionError(name, `unknown decision '${String((result as { decision: unknown }).decision)}'`);
  }
}
