/**
 * Errors thrown by actions and the action registry. Every class has a stable `code` and an
 * `isXError` guard (by code, so it works across module copies).
 *
 * Actions signal "retrying cannot help" with `retryable: false` (bad input, policy refusals, limits);
 * the executor never retries those. Anything else an action throws is treated as retryable by
 * `isRetryableError` and governed by the step's retry policy.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';

/** Options shared by action errors. */
export interface ActionErrorOptions {
  /** Whether another attempt could succeed. Defaults to `true` for `ActionError`. */
  retryable?: boolean;
  cause?: unknown;
  /** Overrides the code (subclasses pass theirs). */
  code?: string;
}

/** An action failed. Code `ACTION_FAILED` unless a subclass sets another; `retryable` defaults to true. */
export class ActionError extends OrchestralError {
  static readonly code: string = 'ACTION_FAILED';
  readonly retryable: boolean;
  constructor(message: string, options: ActionErrorOptions = {}) {
    super(options.code ?? ActionError.code, message, { cause: options.cause });
    this.retryable = options.retryable ?? true;
  }
}

/** The action's input is invalid (schema, or a value the action refuses). Never retryable. */
export class ActionInputError extends ActionError {
  static override readonly code: string = 'ACTION_INPUT_INVALID';
  constructor(
    readonly action: string,
    readonly field: string,
    message: string,
  ) {
    super(`${action}: input${field ? `.${field}` : ''}: ${message}`, { code: ActionInputError.code, retryable: false });
  }
}

/** A path left the workspace root (`..`, absolute path, or a symlink resolving outside). Never retryable. */
export class WorkspaceViolationError extends ActionError {
  static override readonly code: string = 'WORKSPACE_VIOLATION';
  constructor(
    readonly action: string,
    readonly path: string,
    reason: string,
  ) {
    super(`${action}: path '${path}' refused: ${reason}`, { code: WorkspaceViolationError.code, retryable: false });
  }
}

/** A size limit (bytes, entries) was exceeded. Never retryable (the same input hits it again). */
export class ActionLimitError extends ActionError {
  static override readonly code: string = 'ACTION_LIMIT_EXCEEDED';
  constructor(
    readonly action: string,
    readonly limit: number,
    message: string,
  ) {
    super(`${action}: ${message}`, { code: ActionLimitError.code, retryable: false });
  }
}

/** The action ran longer than its timeout (ms) and was stopped. Retryable. */
export class ActionTimeoutError extends ActionError {
  static override readonly code: string = 'ACTION_TIMEOUT';
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super(`${action}: timed out after ${timeoutMs} ms`, { code: ActionTimeoutError.code, retryable: true });
  }
}

/** The action stopped because its AbortSignal fired (cancel). Not retryable. */
export class ActionAbortedError extends ActionError {
  static override readonly code: string = 'ACTION_ABORTED';
  constructor(
    readonly action: string,
    reason?: unknown,
  ) {
    const why = reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
    super(`${action}: aborted${why}`, { code: ActionAbortedError.code, retryable: false, cause: reason });
  }
}

/** `http.request` to a host that is not on the allowlist (or a non-http(s) URL). Never retryable. */
export class HostNotAllowedError extends ActionError {
  static override readonly code: string = 'HOST_NOT_ALLOWED';
  constructor(
    readonly action: string,
    readonly url: string,
    reason: string,
  ) {
    super(`${action}: '${url}' refused: ${reason}`, { code: HostNotAllowedError.code, retryable: false });
  }
}

/** Registering an action failed: malformed name, duplicate name, or a malformed action object. */
export class ActionRegistryError extends OrchestralError {
  static readonly code = 'ACTION_REGISTRY_INVALID';
  constructor(
    readonly actionName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ActionRegistryError.code, `action '${actionName}': ${message}`, options);
  }
}

/** `registry.get(name)` for a name that is not registered. */
export class UnknownActionError extends OrchestralError {
  static readonly code = 'UNKNOWN_ACTION';
  constructor(
    readonly actionName: string,
    known: readonly string[],
  ) {
    super(UnknownActionError.code, `unknown action '${actionName}' (registered: ${known.join(', ') || 'none'})`);
  }
}

/** Every code an action error can carry. */
export const ACTION_ERROR_CODES: ReadonlySet<string> = new Set([
  ActionError.code,
  ActionInputError.code,
  WorkspaceViolationError.code,
  ActionLimitError.code,
  ActionTimeoutError.code,
  ActionAbortedError.code,
  HostNotAllowedError.code,
]);

/** True for any `ActionError` (any of `ACTION_ERROR_CODES`). */
export const isActionError = (e: unknown): e is ActionError =>
  typeof e === 'object' && e !== null && ACTION_ERROR_CODES.has((e as { code?: unknown }).code as string);
export const isActionInputError = (e: unknown): e is ActionInputError => hasErrorCode(e, ActionInputError.code);
export const isWorkspaceViolationError = (e: unknown): e is WorkspaceViolationError =>
  hasErrorCode(e, WorkspaceViolationError.code);
export const isActionLimitError = (e: unknown): e is ActionLimitError => hasErrorCode(e, ActionLimitError.code);
export const isActionTimeoutError = (e: unknown): e is ActionTimeoutError => hasErrorCode(e, ActionTimeoutError.code);
export const isActionAbortedError = (e: unknown): e is ActionAbortedError => hasErrorCode(e, ActionAbortedError.code);
export const isHostNotAllowedError = (e: unknown): e is HostNotAllowedError =>
  hasErrorCode(e, HostNotAllowedError.code);
export const isActionRegistryError = (e: unknown): e is ActionRegistryError =>
  hasErrorCode(e, ActionRegistryError.code);
export const isUnknownActionError = (e: unknown): e is UnknownActionError => hasErrorCode(e, UnknownActionError.code);

/**
 * Whether the executor may retry after `err`: the error's own boolean `retryable` when it has one,
 * otherwise `true` (an unexpected error is presumed transient; the step's retry policy still caps it).
 */
export function isRetryableError(err: unknown): boolean {
  const r = typeof err === 'object' && err !== null ? (err as { retryable?: unknown }).retryable : undefined;
  return typeof r === 'boolean' ? r : true;
}
