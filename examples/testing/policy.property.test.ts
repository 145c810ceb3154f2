/**
 * Property tests of your own code with orchestral/testing — copy this file into your project and
 * replace the policy and the actions with yours. Runs with `node --test` (compiled) or any runner
 * that runs `node:test` files; the seed is fixed and printed (ORCHESTRAL_SEED to explore others).
 *
 * 1. A custom concurrency policy: whatever the sequence of sends, approvals, cancels, interrupts,
 *    resumes, clock ticks and crashes, at most one interaction is live, and the log replays.
 * 2. Any plan (a random DAG of your actions) runs to completion and replays at every revision.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStaticPlanner, defineAction, type PolicyFn } from 'orchestral';
import { checkReplay, checkThreadModel, createTestRuntime, planArbitrary, threadCommands } from 'orchestral/testing';
import { z } from 'zod';

const seed = Number(process.env['ORCHESTRAL_SEED'] ?? 4242);
console.log(`seed ${seed}`);

/** The policy under test: start when idle, queue otherwise. */
const oneAtATime: PolicyFn = (ctx) =>
  ctx.live.length === 0 ? { decision: 'start', reason: 'idle' } : { decision: 'enqueue', reason: 'one at a time' };

test('my policy keeps at most one interaction live, and every history replays', async () => {
  await checkThreadModel({
    runtime: { policies: { 'one-at-a-time': oneAtATime } },
    open: { threadId: 't', policy: { kind: 'custom', name: 'one-at-a-time' } },
    commands: threadCommands(),
    invariant: (real) => real.test.runtime.state(real.threadId).live.length <= 1,
    parameters: { seed, numRuns: 20 },
  });
});

/** An action of yours. */
const double = defineAction({
  name: 'math.double',
  description: 'Doubles n.',
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  async run({ n }) {
    return { n: n * 2 };
  },
});

test('any plan of my actions runs to completion and replays', async () => {
  const plans = planArbitrary({ actions: { 'math.double': fc.record({ n: fc.integer({ min: 0, max: 1000 }) }) }, maxSteps: 6 });
  await fc.assert(
    fc.asyncProperty(plans, async (plan) => {
      const t = createTestRuntime({ planner: createStaticPlanner(plan), actions: [double] });
      await t.runtime.openThread({ threadId: 'p', input: { text: 'run it' } });
      const summary = await t.settle('p');
      assert.equal(summary.interactions['i1']?.status, 'completed');
      await checkReplay(t.store, 'p', { runtime: t.runtime });
      await t.runtime.close();
    }),
    { seed, numRuns: 15 },
  );
});
