/**
 * What a planner returns for one planning step of an interaction's agent loop.
 * - `single_action`: run one step, then plan again with its observation.
 * - `mini_plan`: run a DAG of steps, then plan again with their observations.
 * - `done`: the interaction completes with `answer`.
 * - `need_input`: the interaction waits for the user to answer `question`.
 */
import { z } from 'zod';
import { PlanSpec, StepSpec } from './plan-schema.ts';

export const PlannerOutput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single_action'), thought: z.string().optional(), step: StepSpec }),
  z.object({ kind: z.literal('mini_plan'), thought: z.string().optional(), plan: PlanSpec }),
  z.object({ kind: z.literal('done'), thought: z.string().optional(), answer: z.string() }),
  z.object({ kind: z.literal('need_input'), thought: z.string().optional(), question: z.string() }),
]);
export type PlannerOutput = z.infer<typeof PlannerOutput>;
/** A planner output as written (plan and step defaults may be left out: the runtime normalises plans before running them). */
export type PlannerOutputInput = z.input<typeof PlannerOutput>;
