/**
 * Action module of the worker fleet (bench and tests): each execution appends
 * `start <idempotency key> <pid>` to `<workspace>/sidefx.log` when it starts and
 * `end <idempotency key> <pid>` when it succeeds, so a second execution of a step shows in the log.
 * - `fleet.step`: waits `delayMs` (abortable), succeeds.
 * - `fleet.flaky`: fails its first attempt after `delayMs` (the plan retries it), succeeds after.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineAction, type ActionContext } from '../../src/actions/action.ts';

const log = (ctx: ActionContext, what: 'start' | 'end'): void =>
  appendFileSync(join(ctx.workspace, 'sidefx.log'), `${what} ${ctx.idempotencyKey} ${process.pid}\n`);

const wait = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });

const Input = z.object({ delayMs: z.number().int().min(0).default(0) });
const Output = z.object({ ok: z.boolean() });

export const step = defineAction({
  name: 'fleet.step',
  description: 'Logs start, waits delayMs, logs end.',
  input: Input,
  output: Output,
  async run(input, ctx) {
    log(ctx, 'start');
    await wait(input.delayMs, ctx.signal);
    log(ctx, 'end');
    return { ok: true };
  },
});

export const flaky = defineAction({
  name: 'fleet.flaky',
  description: 'Logs start, waits delayMs, fails on attempt 1, else logs end.',
  input: Input,
  output: Output,
  async run(input, ctx) {
    log(ctx, 'start');
    await wait(input.delayMs, ctx.signal);
    if (ctx.attempt === 1) throw new Error('flaky: first attempt fails');
    log(ctx, 'end');
    return { ok: true };
  },
});

export default [step, flaky];
