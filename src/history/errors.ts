/**
 * Errors of the pure fold, replay and fork. Each has a stable `code` and an `isXError` guard.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';

/**
 * A fact was offered to an actor that does not accept it in its current state (or the actor it
 * names does not exist, or an actor it would create already exists). Nothing was applied.
 * `actor`: `thread`, `interaction:<interactionId>` or `step:<interactionId>/<planId>/<stepId>`;
 * `state`: the actor's state value as JSON, `missing` (no such actor) or `exists` (already created).
 */
export class IllegalTransitionError extends OrchestralError {
  static readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly threadId: string,
    readonly revision: bigint,
    readonly factType: string,
    readonly actor: string,
    readonly state: string,
  ) {
    super(
      IllegalTransitionError.code,
      `thread '${threadId}' revision ${revision}: ${actor} in state ${state} does not accept fact '${factType}'`,
    );
  }
}
export const isIllegalTransitionError = (e: unknown): e is IllegalTransitionError =>
  hasErrorCode(e, IllegalTransitionError.code);

/**
 * Replaying a thread reached a state whose hash differs from the `snapshotHash` recorded in the
 * fact's metadata when it was first applied: the machine code changed in a way that breaks this
 * history (see `replayThread` with `verify`).
 */
export class ReplayDivergenceError extends OrchestralError {
  static readonly code = 'REPLAY_DIVERGENCE';
  constructor(
    readonly threadId: string,
    readonly revision: bigint,
    readonly expectedHash: string,
    readonly actualHash: string,
  ) {
    super(
      ReplayDivergenceError.code,
      `thread '${threadId}' revision ${revision}: replay diverged (recorded snapshot hash ${expectedHash}, replayed ${actualHash})`,
    );
  }
}
export const isReplayDivergenceError = (e: unknown): e is ReplayDivergenceError =>
  hasErrorCode(e, ReplayDivergenceError.code);

/**
 * A revision outside what a thread has, or a fact applied out of order (the fold applies revision
 * `state.revision + 1` only). `detail` says which.
 */
export class ThreadRevisionError extends OrchestralError {
  static readonly code = 'THREAD_REVISION';
  constructor(
    readonly threadId: string,
    readonly revision: bigint,
    detail: string,
  ) {
    super(ThreadRevisionError.code, `thread '${threadId}' revision ${revision}: ${detail}`);
  }
}
export const isThreadRevisionError = (e: unknown): e is ThreadRevisionError => hasErrorCode(e, ThreadRevisionError.code);

/** A view was asked for an interaction or plan the thread does not have. `actor` names it. */
export class ActorNotFoundError extends OrchestralError {
  static readonly code = 'ACTOR_NOT_FOUND';
  constructor(
    readonly threadId: string,
    readonly actor: string,
  ) {
    super(ActorNotFoundError.code, `thread '${threadId}': no ${actor}`);
  }
}
export const isActorNotFoundError = (e: unknown): e is ActorNotFoundError => hasErrorCode(e, ActorNotFoundError.code);
