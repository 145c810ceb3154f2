import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { echoAction } from '../../src/actions/builtin/echo.ts';
import { sleepAction } from '../../src/actions/builtin/sleep.ts';
import { isActionAbortedError, isActionInputError } from '../../src/actions/errors.ts';
import { failure, makeCtx, runAction } from './helpers.ts';

const echo = echoAction() as unknown as Action;
const sleep = sleepAction() as unknown as Action;

describe('echo', () => {
  it('returns its input', async () => {
    const input = { a: 1, b: [true, null, 'x'], c: { d: 2.5 } };
    expect(await runAction(echo, input, makeCtx('/'))).toEqual(input);
  });

  it.each([
    ['a string', 'hello', ''],
    ['an array', [1, 2], ''],
    ['a function value', { f: () => 1 }, 'f'],
    ['a bigint value', { n: 1n }, 'n'],
    ['undefined nested', { o: { u: undefined } }, 'o'],
  ])('refuses %s', async (_label, input, field) => {
    const err = await failure(runAction(echo, input, makeCtx('/')));
    expect(isActionInputError(err)).toBe(true);
    expect(err.message).toContain(`echo: input${field ? `.${field}` : ''}:`);
  });
});

describe('sleep', () => {
  afterEach(() => vi.useRealTimers());

  it('waits ms then returns { sleptMs }', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = runAction(sleep, { ms: 5000 }, makeCtx('/')).then((v) => ((done = true), v));
    await vi.advanceTimersByTimeAsync(4999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toEqual({ sleptMs: 5000 });
  });

  it.each([
    [{ ms: -1 }, 'ms'],
    [{ ms: 1.5 }, 'ms'],
    [{ ms: 86_400_001 }, 'ms'],
    [{ ms: '10' }, 'ms'],
    [{}, 'ms'],
    [{ ms: 1, extra: true }, ''],
  ])('refuses %j', async (input, field) => {
    const err = await failure(runAction(sleep, input, makeCtx('/')));
    expect(isActionInputError(err)).toBe(true);
    expect(err.message.startsWith(`sleep: input${field ? `.${field}` : ''}:`)).toBe(true);
  });

  it('rejects promptly with ACTION_ABORTED when aborted mid-sleep, and clears its timer', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const p = runAction(sleep, { ms: 60_000 }, makeCtx('/', ac.signal));
    await vi.advanceTimersByTimeAsync(10);
    ac.abort(new Error('cancelled by user'));
    const err = await failure(p);
    expect(isActionAbortedError(err)).toBe(true);
    expect(err.message).toBe('sleep: aborted: cancelled by user');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort('stop');
    const err = await failure(runAction(sleep, { ms: 60_000 }, makeCtx('/', ac.signal)));
    expect(isActionAbortedError(err)).toBe(true);
  });
});
