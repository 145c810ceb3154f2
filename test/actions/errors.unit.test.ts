import { describe, expect, it } from 'vitest';
import {
  ActionAbortedError,
  ActionError,
  ActionInputError,
  ActionLimitError,
  ActionTimeoutError,
  HostNotAllowedError,
  WorkspaceViolationError,
  isActionError,
  isActionInputError,
  isRetryableError,
} from '../../src/actions/errors.ts';
import { OrchestralError } from '../../src/errors/orchestral-error.ts';

describe('action errors', () => {
  it('carry stable codes and retryability', () => {
    const cases: [Error, string, boolean][] = [
      [new ActionError('boom'), 'ACTION_FAILED', true],
      [new ActionError('boom', { retryable: false }), 'ACTION_FAILED', false],
      [new ActionInputError('fs.read', 'path', 'bad'), 'ACTION_INPUT_INVALID', false],
      [new WorkspaceViolationError('fs.read', '../x', 'escapes'), 'WORKSPACE_VIOLATION', false],
      [new ActionLimitError('fs.read', 10, 'too big'), 'ACTION_LIMIT_EXCEEDED', false],
      [new ActionTimeoutError('sleep', 5), 'ACTION_TIMEOUT', true],
      [new ActionAbortedError('sleep', 'cancelled'), 'ACTION_ABORTED', false],
      [new HostNotAllowedError('http.request', 'http://x', 'nope'), 'HOST_NOT_ALLOWED', false],
    ];
    for (const [err, code, retryable] of cases) {
      expect(err).toBeInstanceOf(OrchestralError);
      expect((err as ActionError).code).toBe(code);
      expect(isActionError(err)).toBe(true);
      expect(isRetryableError(err)).toBe(retryable);
    }
  });

  it('messages name the action and field', () => {
    expect(new ActionInputError('fs.read', 'path', 'is empty').message).toBe('fs.read: input.path: is empty');
    expect(new ActionAbortedError('sleep', new Error('user cancel')).message).toBe('sleep: aborted: user cancel');
    expect(isActionInputError(new ActionError('x'))).toBe(false);
  });

  it('plain errors count as retryable; a boolean retryable property is honoured', () => {
    expect(isRetryableError(new Error('x'))).toBe(true);
    expect(isRetryableError({ retryable: false })).toBe(false);
    expect(isRetryableError(undefined)).toBe(true);
    expect(isActionError(new Error('x'))).toBe(false);
  });
});
