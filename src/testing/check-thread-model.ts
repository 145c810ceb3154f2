/**
 * `checkThreadModel`: runs the thread model kit as a fast-check property. Each run opens a thread in
 * a fresh test runtime, runs a random command sequence (`fc.commands`), then checks the replay
 * property (`checkReplay` with the live state) and your invariant. fast-check shrinks a failing
 * sequence and reports it with the seed that reproduces it.
 */
import fc from 'fast-check';
import type { OpenThreadOptions } from '../runtime/runtime.ts';
import { checkReplay } from './check-replay.ts';
import { createTestRuntime, type TestRuntime, type TestRuntimeOptions } from './test-runtime.ts';
import { modelPlannerScript, settleTurns, threadCommands, type ThreadCommand, type ThreadReal } from './thread-model.ts';

/** Options of `checkThreadModel`. */
export interface ThreadModelOptions<M extends object> {
  /** The test runtime of each run (default: `createTestRuntime({ script: modelPlannerScript, ...runtime })`). */
  setup?: () => TestRuntime;
  /** Options of the default setup (e.g. `policies`). */
  runtime?: TestRuntimeOptions;
  /** How the thread is opened (default: thread id `t`, policy `enqueue`). */
  open?: OpenThreadOptions;
  /** The commands (default: `threadCommands()`); add yours with `[...threadCommands(), mine]`. */
  commands?: Array<fc.Arbitrary<ThreadCommand<M>>>;
  /** A fresh model for each run (default: `{}`). */
  model?: () => M;
  /** Checked after every command and at the end; throw (or return false) to fail the run. */
  invariant?: (real: ThreadReal, model: Readonly<M>) => boolean | void | Promise<boolean | void>;
  /** Commands per run at most (default 25). */
  maxCommands?: number;
  /** fast-check parameters: pass a `seed` to reproduce a run; `numRuns` (default 30). */
  parameters?: fc.Parameters<[Iterable<ThreadCommand<M>>]>;
}

/**
 * Runs the model property (see the module doc).
 * @throws Error (fast-check's report: the shrunk command sequence, its seed and path) when a run fails.
 */
export async function checkThreadModel<M extends object = object>(options: ThreadModelOptions<M> = {}): Promise<void> {
  const setup = options.setup ?? (() => createTestRuntime({ script: modelPlannerScript, ...options.runtime }));
  const open = { threadId: 't', ...options.open };
  const threadId = open.threadId;
  const invariant = options.invariant;
  const check = async (real: ThreadReal, model: M): Promise<void> => {
    if (invariant && (await invariant(real, model)) === false) throw new Error(`invariant failed at revision ${real.test.runtime.state(threadId).revision}`);
  };
  const commands = (options.commands ?? threadCommands<M>()).map((arb) =>
    arb.map(
      (c): ThreadCommand<M> => ({
        check: (m) => c.check(m),
        async run(m, r) {
          await c.run(m, r);
          await check(r, m);
        },
        toString: () => c.toString(),
      }),
    ),
  );
  const property = fc.asyncProperty(fc.commands(commands, { maxCommands: options.maxCommands ?? 25 }), async (cmds) => {
    const real: ThreadReal = { test: setup(), threadId };
    const model = options.model ? options.model() : ({} as M);
    try {
      await real.test.runtime.openThread(open);
      await settleTurns();
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      await real.test.runtime.whenIdle(threadId);
      await checkReplay(real.test.store, threadId, { runtime: real.test.runtime });
      await check(real, model);
    } finally {
      await real.test.runtime.close();
    }
  });
  await fc.assert(property, { numRuns: 30, includeErrorInReport: true, ...options.parameters });
}
