/**
 * Typed errors of runtime commands. A command that fails with one of these appended nothing.
 * Each has a stable `code` and an `isXError` guard. (Illegal transitions surface as the
 * `IllegalTransitionError` from `src/history/errors.ts`, also with nothing appended.)
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';
import { threadStreamId } from '../history/stream.ts';

/** The thread's stream has no fact (never opened), or was opened by no one this runtime knows. */
export class ThreadNotFoundError extends OrchestralError {
  static readonly code = 'THREAD_NOT_FOUND';
  constructor(readonly threadId: string) {
    super(ThreadNotFoundError.code, `thread '${threadId}' not found (stream '${threadStreamId(threadId)}' has no fact)`);
  }
}
/** True when `e` is a `ThreadNotFoundError` (by its code, so it holds across package copies). */
export const isThreadNotFoundError = (e: unknown): e is ThreadNotFoundError => hasErrorCode(e, ThreadNotFoundError.code);

/** `openThread` with a `threadId` whose stream already has facts. */
export class ThreadExistsError extends OrchestralError {
  static readonly code = 'THREAD_EXISTS';
  constructor(readonly threadId: string) {
    super(ThreadExistsError.code, `thread '${threadId}' already exists`);
  }
}
/** True when `e` is a `ThreadExistsError` (by its code, so it holds across package copies). */
export const isThreadExistsError = (e: unknown): e is ThreadExistsError => hasErrorCode(e, ThreadExistsError.code);

/** A command on a thread that is closed (or not yet open). */
export class ThreadClosedError extends OrchestralError {
  static readonly code = 'THREAD_CLOSED';
  constructor(
    readonly threadId: string,
    readonly status: string,
  ) {
    super(ThreadClosedError.code, `thread '${threadId}' is ${status}; it accepts no command`);
  }
}
export const isThreadClosedError = (e: unknown): e is ThreadClosedError => hasErrorCode(e, ThreadClosedError.code);

/** `approve`/`reject` with an id that names no pending approval (by approval id or step id) of the thread. */
export class UnknownApprovalError extends OrchestralError {
  static readonly code = 'UNKNOWN_APPROVAL';
  constructor(
    readonly threadId: string,
    readonly approvalIdOrStepId: string,
    readonly pending: string[],
  ) {
    super(
      UnknownApprovalError.code,
      `thread '${threadId}': no pending approval '${approvalIdOrStepId}' (pending: ${pending.length ? pending.join(', ') : 'none'})`,
    );
  }
}
export const isUnknownApprovalError = (e: unknown): e is UnknownApprovalError => hasErrorCode(e, UnknownApprovalError.code);

/** A step id matches pending approvals of several interactions/plans; pass the approval id instead. */
export class AmbiguousApprovalError extends OrchestralError {
  static readonly code = 'AMBIGUOUS_APPROVAL';
  constructor(
    readonly threadId: string,
    readonly stepId: string,
    readonly approvalIds: string[],
  ) {
    super(AmbiguousApprovalError.code, `thread '${threadId}': step '${stepId}' has several pending approvals (${approvalIds.join(', ')}); name one`);
  }
}
export const isAmbiguousApprovalError = (e: unknown): e is AmbiguousApprovalError => hasErrorCode(e, AmbiguousApprovalError.code);

/** The interaction does not exist in the thread. */
export class UnknownInteractionError extends OrchestralError {
  static readonly code = 'UNKNOWN_INTERACTION';
  constructor(
    readonly threadId: string,
    readonly interactionId: string,
  ) {
    super(UnknownInteractionError.code, `thread '${threadId}': no interaction '${interactionId}'`);
  }
}
export const isUnknownInteractionError = (e: unknown): e is UnknownInteractionError => hasErrorCode(e, UnknownInteractionError.code);

/** The interaction is in a state where the command makes no sense (e.g. resume one that is not interrupted). */
export class InteractionStateError extends OrchestralError {
  static readonly code = 'INTERACTION_STATE';
  constructor(
    readonly threadId: string,
    readonly interactionId: string,
    readonly status: string,
    readonly command: string,
  ) {
    super(InteractionStateError.code, `thread '${threadId}': cannot ${command} interaction '${interactionId}' while it is ${status}`);
  }
}
export const isInteractionStateError = (e: unknown): e is InteractionStateError => hasErrorCode(e, InteractionStateError.code);

/** No interaction matches a command that needs one (e.g. `cancel` without id on an idle thread, `resume` with nothing interrupted). */
export class NothingToDoError extends OrchestralError {
  static readonly code = 'NOTHING_TO_DO';
  constructor(
    readonly threadId: string,
    readonly command: string,
  ) {
    super(NothingToDoError.code, `thread '${threadId}': nothing to ${command}`);
  }
}
export const isNothingToDoError = (e: unknown): e is NothingToDoError => hasErrorCode(e, NothingToDoError.code);

/** The thread's policy is `custom {name}` but no policy function was registered under `name`. */
export class UnknownPolicyError extends OrchestralError {
  static readonly code = 'UNKNOWN_POLICY';
  constructor(
    readonly policyName: string,
    readonly known: string[],
  ) {
    super(UnknownPolicyError.code, `custom policy '${policyName}' is not registered (registered: ${known.length ? known.join(', ') : 'none'})`);
  }
}
export const isUnknownPolicyError = (e: unknown): e is UnknownPolicyError => hasErrorCode(e, UnknownPolicyError.code);

/** A custom policy returned something the runtime cannot perform (e.g. `steer` without a live target). */
export class InvalidPolicyDecisionError extends OrchestralError {
  static readonly code = 'INVALID_POLICY_DECISION';
  constructor(
    readonly policy: string,
    detail: string,
  ) {
    super(InvalidPolicyDecisionError.code, `policy '${policy}' returned an invalid decision: ${detail}`);
  }
}
export const isInvalidPolicyDecisionError = (e: unknown): e is InvalidPolicyDecisionError =>
  hasErrorCode(e, InvalidPolicyDecisionError.code);

/** The thread's planner cannot be built (no `plannerFor`, or it threw). */
export class PlannerUnavailableError extends OrchestralError {
  static readonly code = 'PLANNER_UNAVAILABLE';
  constructor(
    readonly threadId: string,
    detail: string,
  ) {
    super(PlannerUnavailableError.code, `thread '${threadId}': no planner: ${detail}`);
  }
}
export const isPlannerUnavailableError = (e: unknown): e is PlannerUnavailableError => hasErrorCode(e, PlannerUnavailableError.code);

/** A command or effect reached a runtime after `close()`. */
export class RuntimeClosedError extends OrchestralError {
  static readonly code = 'RUNTIME_CLOSED';
  constructor() {
    super(RuntimeClosedError.code, 'the runtime is closed');
  }
}
export const isRuntimeClosedError = (e: unknown): e is RuntimeClosedError => hasErrorCode(e, RuntimeClosedError.code);

/**
 * Re-deciding after `WrongExpectedVersionError` kept losing to other writers (more than `attempts`
 * times in a row). Nothing of this command was appended.
 */
export class WriteContentionError extends OrchestralError {
  static readonly code = 'WRITE_CONTENTION';
  constructor(
    readonly threadId: string,
    readonly attempts: number,
  ) {
    super(WriteContentionError.code, `thread '${threadId}': append lost to another writer ${attempts} times in a row`);
  }
}
export const isWriteContentionError = (e: unknown): e is WriteContentionError => hasErrorCode(e, WriteContentionError.code);

/**
 * A thread's runner stopped: facts it decided could not be appended (the store failed: disk full,
 * I/O, a refused event) or an effect's result could not be decided. Nothing of that batch was
 * stored, so no command was acknowledged for it; facts appended before are intact. Every pending
 * and later command, and `whenSettled`/`whenIdle`, reject with this error; the runtime rehydrates
 * the thread from the store on its next use, which runs again the effects whose results were lost
 * (at-least-once, same idempotency keys). `cause` is the original error.
 */
export class ThreadStoppedError extends OrchestralError {
  static readonly code = 'THREAD_STOPPED';
  constructor(
    readonly threadId: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(ThreadStoppedError.code, `thread '${threadId}' stopped: ${why.split('\n')[0]} (facts recorded before are kept; resuming the thread retries)`, { cause });
  }
}
export const isThreadStoppedError = (e: unknown): e is ThreadStoppedError => hasErrorCode(e, ThreadStoppedError.code);

/**
 * `approve` with `extendBudgetUsd` that cannot be applied: the amount is not a positive finite
 * number (USD), the decision is a rejection, or no budget is in force for the approval's plan.
 */
export class BudgetExtensionError extends OrchestralError {
  static readonly code = 'BUDGET_EXTENSION';
  constructor(
    readonly threadId: string,
    readonly approvalId: string,
    detail: string,
  ) {
    super(BudgetExtensionError.code, `thread '${threadId}', approval ${approvalId}: cannot extend the budget: ${detail}`);
  }
}
export const isBudgetExtensionError = (e: unknown): e is BudgetExtensionError => hasErrorCode(e, BudgetExtensionError.code);
