/** `sleep`: waits `ms` milliseconds; stops at once (rejects) when the step is aborted. */
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionAbortedError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';

/** Longest sleep, ms (24 h). */
export const MAX_SLEEP_MS = 86_400_000;

/** Creates the `sleep` action: input `{ ms }` (integer, 0..24 h), output `{ sleptMs }`. */
export function sleepAction() {
  return defineAction({
    name: 'sleep',
    description: 'Waits the given number of milliseconds, then returns. Cancellable.',
    input: z.strictObject({ ms: z.number().int().min(0).max(MAX_SLEEP_MS).describe('Milliseconds to wait') }),
    output: z.object({ sleptMs: z.number() }),
    run({ ms }, ctx) {
      throwIfAborted('sleep', ctx.signal);
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          reject(new ActionAbortedError('sleep', ctx.signal.reason));
        };
        const timer = setTimeout(() => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve({ sleptMs: ms });
        }, ms);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  });
}
