/**
 * Errors of projections and their runners. Each has a stable `code` and an `isXError` guard.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';

/**
 * A projection's `evolve` threw on a fact. The projector that met it has stopped: its state and
 * checkpoint are those after the previous fact; the failing fact was NOT applied nor skipped, so a
 * restart (after a fix) retries that same fact. `cause` is what `evolve` threw.
 */
export class ProjectionError extends OrchestralError {
  static readonly code = 'PROJECTION_FAILED';
  constructor(
    readonly projection: string,
    readonly streamId: string,
    readonly revision: bigint,
    readonly position: bigint,
    readonly factType: string,
    cause: unknown,
  ) {
    super(
      ProjectionError.code,
      `projection '${projection}' failed on fact '${factType}' at stream '${streamId}' revision ${revision} (position ${position}): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}
export const isProjectionError = (e: unknown): e is ProjectionError => hasErrorCode(e, ProjectionError.code);

/**
 * A persisted projection row cannot be used: unreadable state JSON, a bad position, or the store is
 * closed. `location` names the file (or `memory`), `projection` the row.
 */
export class ProjectionStoreError extends OrchestralError {
  static readonly code = 'PROJECTION_STORE';
  constructor(
    readonly location: string,
    readonly projection: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(ProjectionStoreError.code, `projection store '${location}', projection '${projection}': ${detail}`, options);
  }
}
/** True when `e` is a `ProjectionStoreError` (by its code, so it holds across package copies). */
export const isProjectionStoreError = (e: unknown): e is ProjectionStoreError => hasErrorCode(e, ProjectionStoreError.code);

/**
 * An "as of" request names a revision the thread stream does not have (beyond its last revision,
 * or below -1), or the facts given span several streams without naming one.
 */
export class AsOfError extends OrchestralError {
  static readonly code = 'AS_OF_INVALID';
  constructor(
    readonly streamId: string,
    detail: string,
  ) {
    super(AsOfError.code, `as-of projection of stream '${streamId}': ${detail}`);
  }
}
export const isAsOfError = (e: unknown): e is AsOfError => hasErrorCode(e, AsOfError.code);
