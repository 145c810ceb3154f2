/**
 * The timed core the plan benches share (bench/dag, bench/growth): a thread whose planner answers a
 * fixed mini-plan of no-op steps once, then "done"; the plan is run from `send` to `whenSettled`
 * (planning included) and timed in wall and CPU time.
 */
import { z } from 'zod';
import { defineAction } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import type { Planner } from '../../src/planner/planner.ts';
import { createRuntime, type RuntimeOptions } from '../../src/runtime/runtime.ts';

/** The action every bench step runs: no input, no output, no work. */
export const noop = defineAction({ name: 'noop', description: 'does nothing', input: z.object({}), output: z.object({}), run: async () => ({}) });

/** One step of a bench plan. */
export type PlanStep = { id: string; action: string; dependsOn: string[] };

/** What one run took: wall time (ns) and CPU time (user + system, µs). */
export interface PlanTiming {
  ns: number;
  cpuUs: number;
}

/**
 * Opens thread `name` on a runtime over `options.store` (actions: `noop`), runs `steps` as one
 * mini-plan with `maxConcurrency`, and closes the runtime (not the store). `beforeSend` runs right
 * before the timing starts (after the thread is opened), e.g. to read the store's counters.
 * @throws Error when the interaction does not end `completed`.
 */
export async function runNoopPlan(
  name: string,
  steps: readonly PlanStep[],
  maxConcurrency: number,
  options: Omit<RuntimeOptions, 'actions' | 'plannerFor'>,
  beforeSend?: () => void,
): Promise<PlanTiming> {
  const plan = { kind: 'mini_plan', plan: { steps, maxConcurrency } } as unknown as PlannerOutput;
  let calls = 0;
  const planner: Planner = { plan: async () => ({ output: calls++ === 0 ? plan : { kind: 'done', answer: 'ok' }, repairs: 0 }) };
  const rt = createRuntime({ ...options, actions: createActionRegistry([noop]), plannerFor: () => planner });
  try {
    await rt.openThread({ threadId: name });
    beforeSend?.();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await rt.send(name, 'run');
    const s = await rt.whenSettled(name);
    const ns = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(c0);
    if (s.interactions.i1?.status !== 'completed') throw new Error(`${name}: interaction ended ${s.interactions.i1?.status}`);
    return { ns, cpuUs: cpu.user + cpu.system };
  } finally {
    await rt.close();
  }
}
