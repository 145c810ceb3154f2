/** Helpers for honouring an action's AbortSignal. */
import { ActionAbortedError } from '../errors.ts';

/** Throws ActionAbortedError (code `ACTION_ABORTED`) naming `action` when `signal` is aborted. */
export function throwIfAborted(action: string, signal: AbortSignal): void {
  if (signal.aborted) throw new ActionAbortedError(action, signal.reason);
}
