/**
 * Runs one attempt of one action: validates the input, runs it under a timeout and the caller's
 * AbortSignal, validates the output, captures progress and cost, measures the duration with the
 * injected clock. Never throws: every failure is an outcome (see step-outcome.ts).
 *
 * Error codes: ACTION_INPUT (input fails `action.input`; not retryable), ACTION_OUTPUT (output fails
 * `action.output` or is not JSON-serialisable; not retryable), STEP_TIMEOUT (retryable),
 * ACTION_FAILED (the action threw without a string `code`; an error's own `code`/`retryable` are kept),
 * EXECUTOR_ARGUMENT (bad `timeoutMs`), EXECUTOR_INTERNAL (anything else unexpected).
 */
import type { Action, ActionContext, ActionProgress, LlmUsage } from '../actions/action.ts';
import type { ErrorInfo, StepUsage } from '../facts/facts/common.ts';
import type { Clock } from '../core/clock.ts';
import { LazyAbort } from '../core/lazy-abort.ts';
import { ExecutorArgumentError } from './errors.ts';
import type { StepOutcome } from './step-outcome.ts';

/** Everything one attempt needs. */
export interface RunStepArgs {
  action: Action;
  /** The step input with output references already resolved. */
  input: unknown;
  /**
   * The caller's cancellation (interaction/thread cancel, fail_fast): aborting it gives a `cancelled`
   * outcome. A `LazyAbort` is waited on without an AbortSignal; the action's `ctx.signal` is made
   * only if the action reads it.
   */
  signal: AbortSignal | LazyAbort;
  /** Per-attempt timeout, ms (positive); measured with `clock`. */
  timeoutMs?: number;
  /** From StepStarted; handed to the action unchanged. */
  idempotencyKey: string;
  /** Absolute workspace root handed to the action. */
  workspace: string;
  /** 1-based attempt number (echoed in the outcome). */
  attempt: number;
  clock: Clock;
  /** Receives the action's progress until the attempt settles (later calls are dropped; a throwing callback is ignored). */
  onProgress(progress: ActionProgress): void;
  /** Receives the action's streamed text pieces until the attempt settles (as `onProgress`). */
  onDelta?(text: string): void;
}

type Settled = { kind: 'resolved'; value: unknown } | { kind: 'rejected'; error: unknown };

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === 'string' && reason !== '') return reason;
  return 'cancelled';
}

function errorInfo(err: unknown): ErrorInfo {
  const e = err as { code?: unknown; retryable?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : 'ACTION_FAILED';
  const retryable = typeof e?.retryable === 'boolean' ? { retryable: e.retryable } : {};
  return { message: err instanceof Error ? err.message : String(err), code, ...retryable };
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const isUsd = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** Why `usage` is not a valid `LlmUsage`, or undefined when it is. */
function usageProblem(usage: LlmUsage | null | undefined): string | undefined {
  if (usage === null || typeof usage !== 'object') return `an object, got ${String(usage)}`;
  if (typeof usage.model !== 'string' || usage.model === '') return `a model name, got ${String(usage.model)}`;
  for (const k of ['inputTokens', 'outputTokens'] as const) if (!isCount(usage[k])) return `${k} as an integer ≥ 0, got ${String(usage[k])}`;
  if (usage.calls !== undefined && !isCount(usage.calls)) return `calls as an integer ≥ 0, got ${String(usage.calls)}`;
  if (!isUsd(usage.costUsd)) return `costUsd as a finite USD amount ≥ 0, got ${String(usage.costUsd)}`;
  return undefined;
}

/** `usage` added to the per-model sums `into` (an entry per model, in first-reported order). */
function addUsageTo(into: StepUsage, usage: LlmUsage): StepUsage {
  const calls = usage.calls ?? 1;
  const i = into.findIndex((u) => u.model === usage.model);
  if (i < 0) return [...into, { model: usage.model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd, calls }];
  const u = into[i]!;
  const sum = { model: u.model, inputTokens: u.inputTokens + usage.inputTokens, outputTokens: u.outputTokens + usage.outputTokens, costUsd: u.costUsd + usage.costUsd, calls: u.calls + calls };
  return into.map((x, j) => (j === i ? sum : x));
}

const resolved = (value: unknown): Settled => ({ kind: 'resolved', value });
const rejected = (error: unknown): Settled => ({ kind: 'rejected', error });

/** Settles with the action's result; never rejects (a synchronous throw counts as a rejection). */
function invoke(run: () => Promise<unknown>): Promise<Settled> {
  return new Promise<unknown>((resolve) => resolve(run())).then(resolved, rejected);
}

/**
 * Resolves with `settled`'s result, or with 'aborted' when `signal` aborts first (as
 * `Promise.race` of the two, in one promise); the abort listener is removed when `settled` settles.
 */
function settledOrAborted(signal: AbortSignal | LazyAbort, settled: Promise<Settled>): Promise<Settled | 'aborted'> {
  return new Promise((resolve) => {
    const listener = (): void => resolve('aborted');
    if (signal instanceof LazyAbort) {
      const off = signal.onAbort(listener);
      void settled.then((result) => {
        off();
        resolve(result);
      });
      return;
    }
    signal.addEventListener('abort', listener, { once: true });
    void settled.then((result) => {
      signal.removeEventListener('abort', listener);
      resolve(result);
    });
  });
}

/** The AbortSignal of `source` (a LazyAbort's is made here). */
const signalOf = (source: AbortSignal | LazyAbort): AbortSignal => (source instanceof LazyAbort ? source.signal : source);

/**
 * The context an action runs with: a class, so `signal` is a getter of its prototype (the signal of
 * a LazyAbort is made only if the action reads it; a getter of an object literal would be an
 * accessor pair of its own per run, allocated in the old generation).
 */
class RunContext implements ActionContext {
  readonly #signal: AbortSignal | LazyAbort;
  readonly idempotencyKey: string;
  readonly workspace: string;
  readonly attempt: number;
  readonly emit: ActionContext['emit'];
  readonly addCost: ActionContext['addCost'];
  readonly addUsage: ActionContext['addUsage'];
  readonly delta?: ActionContext['delta'];

  constructor(signal: AbortSignal | LazyAbort, fields: Omit<ActionContext, 'signal'>) {
    this.#signal = signal;
    this.idempotencyKey = fields.idempotencyKey;
    this.workspace = fields.workspace;
    this.attempt = fields.attempt;
    this.emit = fields.emit;
    this.addCost = fields.addCost;
    this.addUsage = fields.addUsage;
    if (fields.delta !== undefined) this.delta = fields.delta;
  }

  get signal(): AbortSignal {
    return signalOf(this.#signal);
  }
}

/** One event-loop turn (not a time delay), for a cancelled action to hand back what it produced. */
function nextTurn(): Promise<undefined> {
  return new Promise((resolve) => setImmediate(() => resolve(undefined)));
}

/** The JSON form of an output (what replay reads back), or an error message when it has none. */
function toJson(value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (value === undefined) return { ok: true, value };
  try {
    const text = JSON.stringify(value);
    return text === undefined ? { ok: false, message: `a ${typeof value} is not JSON` } : { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Runs one attempt (see module doc). A cancelled action may hand back partial output by resolving
 * with it or by rejecting with an error that has a `partialOutput` property, within one event-loop
 * turn of the abort. Cost and usage added and progress emitted after the attempt settled are dropped.
 * An action that ignores its signal is abandoned (not awaited) at the timeout or abort.
 * @returns the outcome, with `attempt`, `costUsd` (sum of `ctx.addCost` and of `ctx.addUsage` costs,
 *   USD), `usage` (per model, when `ctx.addUsage` was called) and `durationMs` (clock ms).
 */
export async function runStep(args: RunStepArgs): Promise<StepOutcome> {
  const { action, clock } = args;
  const startedAt = clock.now();
  let costUsd = 0;
  let usage: StepUsage = [];
  let done = false;
  const base = () => ({ attempt: args.attempt, costUsd, ...(usage.length > 0 ? { usage } : {}), durationMs: Math.max(0, clock.now() - startedAt) });
  const fail = (error: ErrorInfo): StepOutcome => ({ status: 'error', error, ...base() });
  let timer: unknown;
  try {
    if (args.signal.aborted) return { status: 'cancelled', reason: reasonText(args.signal.reason), ...base() };
    if (args.timeoutMs !== undefined && !(Number.isFinite(args.timeoutMs) && args.timeoutMs > 0)) {
      return fail({ code: 'EXECUTOR_ARGUMENT', retryable: false, message: `action '${action.name}': timeoutMs must be a positive number of ms, got ${args.timeoutMs}` });
    }
    const parsed = action.input.safeParse(args.input);
    if (!parsed.success) {
      return fail({ code: 'ACTION_INPUT', retryable: false, message: `action '${action.name}': invalid input: ${describeIssues(parsed.error.issues)}` });
    }
    // Without a timeout the caller's signal is the action's own: AbortSignal.any costs ~10 µs per attempt.
    let signal = args.signal;
    if (args.timeoutMs !== undefined) {
      const timeout = new AbortController();
      timer = clock.setTimeout(() => timeout.abort(new Error(`timed out after ${args.timeoutMs} ms`)), args.timeoutMs);
      signal = AbortSignal.any([signalOf(args.signal), timeout.signal]);
    }
    const ctx: ActionContext = new RunContext(signal, {
      idempotencyKey: args.idempotencyKey,
      workspace: args.workspace,
      attempt: args.attempt,
      emit(progress) {
        if (done) return;
        try {
          args.onProgress(progress);
        } catch {
          // the runtime's progress sink must not fail the action; progress is informational
        }
      },
      ...(args.onDelta !== undefined
        ? {
            delta(text: string) {
              if (done) return;
              try {
                args.onDelta?.(text);
              } catch {
                // a live sink must not fail the action
              }
            },
          }
        : {}),
      addCost(usd) {
        if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0) throw new ExecutorArgumentError(`action '${action.name}': addCost wants a finite USD amount ≥ 0, got ${String(usd)}`);
        if (!done) costUsd += usd;
      },
      addUsage(u) {
        const problem = usageProblem(u);
        if (problem !== undefined) throw new ExecutorArgumentError(`action '${action.name}': addUsage wants ${problem}`);
        if (done) return;
        costUsd += u.costUsd;
        usage = addUsageTo(usage, u);
      },
    });
    const settled = invoke(() => action.run(parsed.data, ctx));
    const first = await settledOrAborted(signal, settled);
    if (args.signal.aborted) {
      const late = first === 'aborted' ? await Promise.race([settled, nextTurn()]) : first;
      done = true;
      let partial: unknown;
      if (late?.kind === 'resolved') partial = late.value;
      else if (late?.kind === 'rejected') partial = (late.error as { partialOutput?: unknown } | null)?.partialOutput;
      const json = toJson(partial);
      const partialOutput = json.ok && json.value !== undefined ? { partialOutput: json.value } : {};
      return { status: 'cancelled', reason: reasonText(args.signal.reason), ...partialOutput, ...base() };
    }
    done = true;
    if (first === 'aborted') {
      return fail({ code: 'STEP_TIMEOUT', retryable: true, message: `action '${action.name}' timed out after ${args.timeoutMs} ms (attempt ${args.attempt})` });
    }
    if (first.kind === 'rejected') return fail(errorInfo(first.error));
    const out = action.output.safeParse(first.value);
    if (!out.success) {
      return fail({ code: 'ACTION_OUTPUT', retryable: false, message: `action '${action.name}': invalid output: ${describeIssues(out.error.issues)}` });
    }
    const json = toJson(out.data);
    if (!json.ok) return fail({ code: 'ACTION_OUTPUT', retryable: false, message: `action '${action.name}': output is not JSON-serialisable: ${json.message}` });
    if (usage.length > 0) return { status: 'ok', output: json.value, ...base() };
    // the same object as the spread, keys in the same order, without the intermediate `base()`
    return { status: 'ok', output: json.value, attempt: args.attempt, costUsd, durationMs: Math.max(0, clock.now() - startedAt) };
  } catch (err) {
    done = true;
    return fail({ code: 'EXECUTOR_INTERNAL', retryable: false, message: `action '${action.name}': ${err instanceof Error ? err.message : String(err)}` });
  } finally {
    done = true;
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
