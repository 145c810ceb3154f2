import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineAction, type Action, type ActionContext, type ActionProgress } from '../../src/actions/action.ts';
import { SimulatedClock } from '../../src/core/clock.ts';
import { LazyAbort } from '../../src/core/lazy-abort.ts';
import { runStep, type RunStepArgs } from '../../src/executor/run-step.ts';

/** An action whose `run` is the given function; input `{ n: number }`, output `{ n: number }`. */
function action(run: (input: { n: number }, ctx: ActionContext) => Promise<unknown>, output: z.ZodType = z.object({ n: z.number() })): Action {
  return defineAction({ name: 'test.act', description: 'test', input: z.object({ n: z.number() }), output, run: run as never });
}

function args(act: Action, over: Partial<RunStepArgs> = {}): RunStepArgs & { progress: ActionProgress[]; clock: SimulatedClock } {
  const progress: ActionProgress[] = [];
  const clock = new SimulatedClock(1_000_000);
  return { action: act, input: { n: 1 }, signal: new AbortController().signal, idempotencyKey: 't/i/p/s/1', workspace: '/ws', attempt: 1, clock, onProgress: (p: ActionProgress) => progress.push(p), progress, ...over } as never;
}

/** Resolves when the simulated clock passes `ms` from now. */
const sleep = (clock: SimulatedClock, ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));

/** The caller's cancellation of each kind runStep takes: an AbortController's signal, or a LazyAbort itself. */
const cancellations = [
  { kind: 'AbortController', make: () => { const c = new AbortController(); return { abort: (r?: unknown) => c.abort(r), signal: c.signal }; } },
  { kind: 'LazyAbort', make: () => { const c = new LazyAbort(); return { abort: (r?: unknown) => c.abort(r), signal: c }; } },
];

/** Lets pending promise callbacks run. */
const flush = () => new Promise<void>((r) => setImmediate(r));

describe('runStep', () => {
  it('runs the action with its context, capturing progress, cost and the simulated duration', async () => {
    let seen: ActionContext | undefined;
    const a = args(
      action(async (input, ctx) => {
        seen = ctx;
        ctx.emit({ message: 'half', data: { pct: 50 } });
        ctx.addCost(0.01);
        await sleep(a.clock, 250);
        ctx.addCost(0.02);
        return { n: input.n + 1 };
      }),
      { attempt: 3 },
    );
    const pending = runStep(a);
    await flush();
    a.clock.increment(250);
    const out = await pending;
    expect(out).toEqual({ status: 'ok', output: { n: 2 }, attempt: 3, costUsd: 0.03, durationMs: 250 });
    expect(a.progress).toEqual([{ message: 'half', data: { pct: 50 } }]);
    expect(seen).toMatchObject({ idempotencyKey: 't/i/p/s/1', workspace: '/ws', attempt: 3 });
    expect(a.clock.pendingTimers()).toBe(0);
  });

  it('refuses bad input without running the action (ACTION_INPUT, not retryable)', async () => {
    const run = vi.fn(async () => ({ n: 1 }));
    const out = await runStep(args(action(run), { input: { n: 'x' } }));
    expect(out).toMatchObject({ status: 'error', error: { code: 'ACTION_INPUT', retryable: false } });
    expect(out.status === 'error' && out.error.message).toBe("action 'test.act': invalid input: n: Invalid input: expected number, received string");
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses output that fails the schema or is not JSON (ACTION_OUTPUT); records the JSON form', async () => {
    const bad = await runStep(args(action(async () => ({ n: 'nope' }))));
    expect(bad).toMatchObject({ status: 'error', error: { code: 'ACTION_OUTPUT', retryable: false } });
    expect(bad.status === 'error' && bad.error.message).toContain('invalid output: n:');
    const bigint = await runStep(args(action(async () => 10n, z.bigint())));
    expect(bigint).toMatchObject({ status: 'error', error: { code: 'ACTION_OUTPUT' } });
    expect(bigint.status === 'error' && bigint.error.message).toContain('not JSON-serialisable');
    const date = await runStep(args(action(async () => ({ at: new Date(0) }), z.object({ at: z.date() }))));
    expect(date).toMatchObject({ status: 'ok', output: { at: '1970-01-01T00:00:00.000Z' } });
  });

  it('turns a throw into an error outcome, keeping the error code and retryability', async () => {
    const coded = Object.assign(new Error('disk full'), { code: 'E_NOSPC', retryable: false });
    expect(await runStep(args(action(async () => { throw coded; })))).toMatchObject({ status: 'error', error: { message: 'disk full', code: 'E_NOSPC', retryable: false } });
    const plain = await runStep(args(action(async () => { throw 'just a string'; })));
    expect(plain).toMatchObject({ status: 'error', error: { message: 'just a string', code: 'ACTION_FAILED' } });
    expect(plain.status === 'error' && plain.error).not.toHaveProperty('retryable');
    const sync = await runStep(args(action(((): Promise<unknown> => { throw new Error('sync'); }) as never)));
    expect(sync).toMatchObject({ status: 'error', error: { message: 'sync', code: 'ACTION_FAILED' } });
  });

  it('times out on the clock (STEP_TIMEOUT, retryable), aborting the action signal, even if the action ignores it', async () => {
    let signal: AbortSignal | undefined;
    const a = args(action(async (_i, ctx) => { signal = ctx.signal; return new Promise(() => {}); }), { timeoutMs: 5000 });
    const pending = runStep(a);
    await flush();
    a.clock.increment(4999);
    await flush();
    expect(signal?.aborted).toBe(false);
    a.clock.increment(1);
    const out = await pending;
    expect(out).toEqual({ status: 'error', error: { code: 'STEP_TIMEOUT', retryable: true, message: "action 'test.act' timed out after 5000 ms (attempt 1)" }, attempt: 1, costUsd: 0, durationMs: 5000 });
    expect(signal?.aborted).toBe(true);
  });

  it('clears its timer when the action finishes first', async () => {
    const a = args(action(async () => ({ n: 1 })), { timeoutMs: 5000 });
    expect(await runStep(a)).toMatchObject({ status: 'ok' });
    expect(a.clock.pendingTimers()).toBe(0);
  });

  it.each(cancellations)('reports cancellation when the caller aborts ($kind), with partial output handed back by the action', async ({ make }) => {
    const ctl = make();
    const rejecting = args(
      action((_i, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('stopped'), { partialOutput: { lines: 3 } }))))),
      { signal: ctl.signal },
    );
    const pending = runStep(rejecting);
    await flush();
    rejecting.clock.increment(40);
    ctl.abort('user cancelled');
    expect(await pending).toEqual({ status: 'cancelled', reason: 'user cancelled', partialOutput: { lines: 3 }, attempt: 1, costUsd: 0, durationMs: 40 });

    const ctl2 = make();
    const resolving = args(action((_i, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ n: 0.5 })))), { signal: ctl2.signal });
    const p2 = runStep(resolving);
    await flush();
    ctl2.abort(new Error('fail_fast'));
    expect(await p2).toMatchObject({ status: 'cancelled', reason: 'fail_fast', partialOutput: { n: 0.5 } });

    const ctl3 = make();
    const deaf = args(action(() => new Promise(() => {})), { signal: ctl3.signal });
    const p3 = runStep(deaf);
    await flush();
    ctl3.abort();
    const out3 = await p3;
    expect(out3).toMatchObject({ status: 'cancelled', reason: 'This operation was aborted' });
    expect(out3).not.toHaveProperty('partialOutput');
  });

  it.each(cancellations)('does not run the action when the signal is already aborted ($kind)', async ({ make }) => {
    const run = vi.fn(async () => ({ n: 1 }));
    const ctl = make();
    ctl.abort('gone');
    expect(await runStep(args(action(run), { signal: ctl.signal }))).toMatchObject({ status: 'cancelled', reason: 'gone' });
    expect(run).not.toHaveBeenCalled();
  });

  it('makes the AbortSignal of a LazyAbort only when the action reads ctx.signal, and cancels a deaf action without it', async () => {
    const ctl = new LazyAbort();
    const made = vi.spyOn(ctl, 'signal', 'get');
    const deaf = args(action(() => new Promise(() => {})), { signal: ctl });
    const p = runStep(deaf);
    await flush();
    ctl.abort(new Error('step cancelled'));
    expect(await p).toMatchObject({ status: 'cancelled', reason: 'step cancelled' });
    expect(made).not.toHaveBeenCalled();
    expect(await runStep(args(action(async (i) => i), { signal: new LazyAbort() }))).toMatchObject({ status: 'ok', output: { n: 1 } });

    const ctl2 = new LazyAbort();
    let seen: AbortSignal | undefined;
    const reading = args(action(async (_i, ctx) => { seen = ctx.signal; return new Promise(() => {}); }), { signal: ctl2, timeoutMs: 5000 });
    const p2 = runStep(reading);
    await flush();
    expect(seen?.aborted).toBe(false);
    ctl2.abort('user cancelled');
    expect(seen?.aborted).toBe(true); // with a timeout, the action's signal follows both
    expect(await p2).toMatchObject({ status: 'cancelled', reason: 'user cancelled' });
  });

  it('drops progress emitted after the attempt settled', async () => {
    let later: ActionContext | undefined;
    const a = args(action(async (_i, ctx) => { later = ctx; ctx.emit({ message: 'one' }); return { n: 1 }; }));
    expect(await runStep(a)).toMatchObject({ status: 'ok' });
    later?.emit({ message: 'late' });
    expect(a.progress).toEqual([{ message: 'one' }]);
  });

  it('a throwing progress sink does not fail the action', async () => {
    const a = args(action(async (_i, ctx) => { ctx.emit({ message: 'x' }); return { n: 1 }; }), { onProgress: () => { throw new Error('sink down'); } });
    expect(await runStep(a)).toMatchObject({ status: 'ok', output: { n: 1 } });
  });

  it('sums LLM usage per model (calls default 1), adds its cost, and keeps it on a failure or cancellation', async () => {
    const ok = await runStep(args(action(async (_i, ctx) => {
      ctx.addUsage({ model: 'm1', inputTokens: 3, outputTokens: 2, calls: 2, costUsd: 0.25 });
      ctx.addUsage({ model: 'm2', inputTokens: 1, outputTokens: 0, costUsd: 0 });
      ctx.addUsage({ model: 'm1', inputTokens: 4, outputTokens: 1, costUsd: 0.5 });
      ctx.addCost(1);
      return { n: 1 };
    })));
    expect(ok).toMatchObject({
      status: 'ok',
      costUsd: 1.75,
      usage: [{ model: 'm1', inputTokens: 7, outputTokens: 3, calls: 3, costUsd: 0.75 }, { model: 'm2', inputTokens: 1, outputTokens: 0, calls: 1, costUsd: 0 }],
    });
    const failed = await runStep(args(action(async (_i, ctx) => {
      ctx.addUsage({ model: 'm', inputTokens: 4, outputTokens: 1, calls: 1, costUsd: 0.5 });
      throw new Error('refused');
    })));
    expect(failed).toMatchObject({ status: 'error', costUsd: 0.5, usage: [{ model: 'm', inputTokens: 4, outputTokens: 1, calls: 1, costUsd: 0.5 }] });
    const ctl = new AbortController();
    const cancelling = args(action((_i, ctx) => {
      ctx.addUsage({ model: 'm', inputTokens: 2, outputTokens: 0, calls: 1, costUsd: 0.1 });
      return new Promise(() => {});
    }), { signal: ctl.signal });
    const pending = runStep(cancelling);
    await flush();
    ctl.abort('stop');
    expect(await pending).toMatchObject({ status: 'cancelled', costUsd: 0.1, usage: [{ model: 'm', inputTokens: 2, calls: 1 }] });
    expect(await runStep(args(action(async () => ({ n: 1 }))))).not.toHaveProperty('usage');
  });

  it('drops usage reported after the attempt settled, and fails the action on bad usage', async () => {
    let later: ActionContext | undefined;
    const out = await runStep(args(action(async (_i, ctx) => { later = ctx; return { n: 1 }; })));
    later?.addUsage({ model: 'm', inputTokens: 1, outputTokens: 1, costUsd: 1 });
    expect(out).not.toHaveProperty('usage');
    expect(out.costUsd).toBe(0);
    for (const [bad, why] of [
      [{ model: '', inputTokens: 1, outputTokens: 1, costUsd: 0 }, 'a model name'],
      [{ model: 'm', inputTokens: 1.5, outputTokens: 1, costUsd: 0 }, 'inputTokens as an integer ≥ 0, got 1.5'],
      [{ model: 'm', inputTokens: 1, outputTokens: -1, costUsd: 0 }, 'outputTokens as an integer ≥ 0, got -1'],
      [{ model: 'm', inputTokens: 1, outputTokens: 1, calls: -2, costUsd: 0 }, 'calls as an integer ≥ 0, got -2'],
      [{ model: 'm', inputTokens: 1, outputTokens: 1, costUsd: Number.NaN }, 'costUsd as a finite USD amount ≥ 0, got NaN'],
    ] as const) {
      const r = await runStep(args(action(async (_i, ctx) => { ctx.addUsage(bad as never); return { n: 1 }; })));
      expect(r).toMatchObject({ status: 'error', error: { code: 'EXECUTOR_ARGUMENT' } });
      expect(r.status === 'error' && r.error.message).toContain(`action 'test.act': addUsage wants ${why}`);
      expect(r).not.toHaveProperty('usage');
    }
  });

  it('fails the action when it reports a bad cost, and refuses a bad timeout', async () => {
    const out = await runStep(args(action(async (_i, ctx) => { ctx.addCost(-1); return { n: 1 }; })));
    expect(out).toMatchObject({ status: 'error', error: { code: 'EXECUTOR_ARGUMENT', message: "action 'test.act': addCost wants a finite USD amount ≥ 0, got -1" } });
    const run = vi.fn(async () => ({ n: 1 }));
    expect(await runStep(args(action(run), { timeoutMs: 0 }))).toMatchObject({ status: 'error', error: { code: 'EXECUTOR_ARGUMENT', retryable: false } });
    expect(run).not.toHaveBeenCalled();
  });
});
