/**
 * Planners for tests: one that answers from a script (or a function of the request), and a wrapper
 * that counts the calls of another. Both keep every request they were asked.
 */
import type { PlannerOutput, PlannerOutputInput } from '../plan/planner-output.ts';
import type { Planner, PlanningRequest } from '../planner/planner.ts';

/** A planner that counts its calls and keeps its requests (oldest first). */
export interface ScriptedPlanner extends Planner {
  calls: number;
  requests: PlanningRequest[];
}

/**
 * What a scripted planner answers: a list (answer i on call i, the last one repeated) or a function
 * of the request. Plans may leave defaults out (`{ kind: 'mini_plan', plan: { steps: [{ id, action }] } }`):
 * the runtime normalises every plan before it runs.
 */
export type PlannerScript = readonly PlannerOutputInput[] | ((request: PlanningRequest) => PlannerOutputInput | Promise<PlannerOutputInput>);

/**
 * A planner answering from `script`. Each answer reports a small fixed usage (model `scripted`,
 * 10 input and 5 output tokens, 0.001 USD) so cost views have something to show.
 * @throws RangeError (from `plan`) when `script` is an empty list.
 */
export function scriptedPlanner(script: PlannerScript): ScriptedPlanner {
  const planner: ScriptedPlanner = {
    calls: 0,
    requests: [],
    async plan(request) {
      const i = planner.calls++;
      planner.requests.push(request);
      if (typeof script !== 'function' && script.length === 0) throw new RangeError('scriptedPlanner: the script is empty');
      const output = typeof script === 'function' ? await script(request) : script[Math.min(i, script.length - 1)]!;
      // A plan as written; the runtime's normaliser applies the defaults before anything runs.
      return { output: output as PlannerOutput, repairs: 0, usage: { model: 'scripted', inputTokens: 10, outputTokens: 5, costUsd: 0.001 } };
    },
  };
  return planner;
}

/** Wraps `inner` to count its calls and keep its requests. */
export function countingPlanner(inner: Planner): ScriptedPlanner {
  const planner: ScriptedPlanner = {
    calls: 0,
    requests: [],
    plan(request) {
      planner.calls++;
      planner.requests.push(request);
      return inner.plan(request);
    },
  };
  return planner;
}
