/**
 * Validating an action's input and output against its zod schemas, with errors that name the
 * action and the field.
 */
import type { Action } from './action.ts';
import { ActionError, ActionInputError } from './errors.ts';
import { formatFieldPath } from '../plan/field-path.ts';

/** One schema problem: dotted/bracketed field path (empty for the root) and zod's message. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Flattens zod issues into `FieldIssue`s (first 20). */
export function fieldIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldIssue[] {
  return issues.slice(0, 20).map((i) => ({ field: formatFieldPath(i.path), message: i.message }));
}

/**
 * Parses `raw` with the action's input schema (applying defaults).
 * @returns the parsed input.
 * @throws ActionInputError (code `ACTION_INPUT_INVALID`, not retryable) naming the first bad field;
 *   the message lists every issue.
 */
export function parseActionInput<I>(action: Action<I, unknown>, raw: unknown): I {
  const r = action.input.safeParse(raw);
  if (r.success) return r.data;
  const issues = fieldIssues(r.error.issues);
  const first = issues[0] ?? { field: '', message: 'invalid' };
  const more = issues.length > 1 ? `; ${issues.slice(1).map((i) => `${i.field || '(root)'}: ${i.message}`).join('; ')}` : '';
  throw new ActionInputError(action.name, first.field, first.message + more);
}

/**
 * Parses what `run` resolved with against the action's output schema.
 * @throws ActionError (code `ACTION_FAILED`, not retryable) naming the action and the bad field:
 *   an action returning a malformed output is a bug, not a transient failure.
 */
export function parseActionOutput<O>(action: Action<unknown, O>, raw: unknown): O {
  const r = action.output.safeParse(raw);
  if (r.success) return r.data;
  const issues = fieldIssues(r.error.issues)
    .map((i) => `${i.field || '(root)'}: ${i.message}`)
    .join('; ');
  throw new ActionError(`${action.name}: output does not match its schema: ${issues}`, { retryable: false });
}
