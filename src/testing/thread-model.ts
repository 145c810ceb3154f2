/**
 * A model-based test kit for one thread (`fc.commands`): random sequences of commands against a
 * thread of a test runtime — send, approve, reject, cancel, interrupt, resume, clock ticks, and
 * crash-and-rehydrate (the runtime is closed and a new one rebuilds the thread from the store).
 * After every sequence the thread's log must replay (`checkReplay`, against the live state too) and
 * your invariant must hold. Extend it with commands of your own (`threadCommand`) and a model
 * (any object your commands update and your invariant reads).
 *
 * Commands refused by the runtime with a typed error (an approval that is not pending, a resume
 * with nothing interrupted …) are part of the model: they must append nothing. Any other error
 * fails the property.
 */
import fc from 'fast-check';
import { isOrchestralError } from '../errors/orchestral-error.ts';
import type { TestRuntime } from './test-runtime.ts';

/** The system under test: the current test runtime (replaced on a crash) and the thread's id. */
export interface ThreadReal {
  test: TestRuntime;
  readonly threadId: string;
}

/** One command of the kit (fast-check's async command over your model `M` and `ThreadReal`). */
export type ThreadCommand<M extends object> = fc.AsyncCommand<M, ThreadReal>;

/** Lets pending promise callbacks and action runs progress (event-loop turns, not time). */
export async function settleTurns(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** Runs `p`, ignoring the runtime's typed refusals (OrchestralError); anything else is rethrown. */
export async function refusalsAllowed(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isOrchestralError(err)) throw err;
  }
}

/**
 * A command named `name` that runs `run` (then lets the runtime progress). `check` (default: always)
 * says whether it applies in the model's current state; `run` may update the model.
 */
export function threadCommand<M extends object>(name: string, run: (real: ThreadReal, model: M) => Promise<void>, check: (model: Readonly<M>) => boolean = () => true): ThreadCommand<M> {
  return {
    check,
    async run(model, real) {
      await run(real, model);
      await settleTurns();
    },
    toString: () => name,
  };
}

/** The first pending approval of a live interaction, if any. */
function firstPending(real: ThreadReal): string | undefined {
  const s = real.test.runtime.state(real.threadId);
  for (const id of s.live) {
    const a = s.interactions[id]?.pendingApprovals[0];
    if (a !== undefined) return a;
  }
  return undefined;
}

/** Options of `threadCommands`. */
export interface ThreadCommandsOptions {
  /** Texts `send` chooses from (default `['plain', 'approve']`; the default planner plans an approval for `approve`). */
  inputs?: readonly string[];
  /** Largest clock move of `tick`, ms (default 2000). */
  maxTickMs?: number;
}

/** The kit's commands: send, approve, reject, cancel, interrupt, resume, tick, crash. */
export function threadCommands<M extends object>(options: ThreadCommandsOptions = {}): Array<fc.Arbitrary<ThreadCommand<M>>> {
  const inputs = options.inputs ?? ['plain', 'approve'];
  const rt = (r: ThreadReal) => r.test.runtime;
  return [
    fc.constantFrom(...inputs).map((text) => threadCommand<M>(`send(${JSON.stringify(text)})`, (r) => refusalsAllowed(rt(r).send(r.threadId, text, { from: 'model' })))),
    fc.boolean().map((grant) =>
      threadCommand<M>(grant ? 'approve' : 'reject', async (r) => {
        const id = firstPending(r);
        if (id === undefined) return;
        await refusalsAllowed(grant ? rt(r).approve(r.threadId, id, { by: 'model' }) : rt(r).reject(r.threadId, id, { by: 'model' }));
      }),
    ),
    fc.constant(threadCommand<M>('cancel', (r) => refusalsAllowed(rt(r).cancel(r.threadId, { reason: 'model' })))),
    fc.nat(3).map((i) => threadCommand<M>(`interrupt(i${i + 1})`, (r) => refusalsAllowed(rt(r).interrupt(r.threadId, `i${i + 1}`, { kind: 'user_request' })))),
    fc.constant(threadCommand<M>('resume', (r) => refusalsAllowed(rt(r).resume(r.threadId)))),
    fc.integer({ min: 1, max: options.maxTickMs ?? 2000 }).map((ms) => threadCommand<M>(`tick(${ms})`, async (r) => r.test.clock.increment(ms))),
    fc.constant(
      threadCommand<M>('crash', async (r) => {
        r.test = await r.test.restart();
        await r.test.runtime.load(r.threadId);
      }),
    ),
  ];
}

/**
 * The default planner of the kit: an input containing `approve` gets a one-step plan that needs
 * approval, any other a two-step `echo` plan; once the plan ran, the interaction is done.
 */
export const modelPlannerScript = (request: { input: string; observations: readonly unknown[] }) =>
  request.observations.length > 0
    ? { kind: 'done' as const, answer: `done: ${request.input}` }
    : {
        kind: 'mini_plan' as const,
        plan: {
          requiresApproval: request.input.includes('approve'),
          steps: [
            { id: 'a', action: 'echo', input: { text: request.input } },
            { id: 'b', action: 'echo', dependsOn: ['a'], input: { from: '{{steps.a.output.text}}' } },
          ],
        },
      };
