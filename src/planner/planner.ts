/**
 * The planner port: turns an interaction's intent and observations into the next PlannerOutput.
 * Implementations: `OpenAIPlanner` (any OpenAI-compatible endpoint) and `StaticPlanner` (a plan file).
 * Planner answers are recorded as facts (`PlannerResponded`), so replay never calls a planner.
 */
import type { PlannerOutput } from '../plan/planner-output.ts';
import type { Usage } from '../facts/facts/common.ts';
import type { FactData } from '../facts/fact-types.ts';
import type { ActionDescriptor } from '../actions/registry.ts';
import type { Observation } from '../../machines/interaction.types.ts';
import type { ModelSwitch } from '../llm/fallback.ts';

type RouteEvaluatedData = FactData<'RouteEvaluated'>;

/** One planning call. */
export interface PlanningRequest {
  threadId: string;
  interactionId: string;
  /** 1-based planning iteration of this interaction. */
  iteration: number;
  /** The input that started the interaction. */
  input: string;
  /** Inputs merged in later (steer, answers to need_input), oldest first. */
  mergedInputs: string[];
  /** The planner's earlier need_input questions, each with the index of its answer in `mergedInputs`. */
  answered?: { question: string; inputIndex: number }[];
  /** Results of every step run so far in this interaction, in completion order. */
  observations: Observation[];
  actions: ActionDescriptor[];
  signal: AbortSignal;
  /** Receives the text pieces of a streamed answer as they arrive (live only, never recorded). */
  onDelta?: (text: string) => void;
}

/** A planner's answer with what it cost. `request`/`raw` are recorded for debugging (never secrets). */
export interface PlannerResult {
  output: PlannerOutput;
  usage?: Usage;
  request?: unknown;
  raw?: unknown;
  /** How many repair round-trips were needed (0 when the first answer was valid). */
  repairs: number;
  /** When routes were consulted: what they decided, recorded as `RouteEvaluated` before the answer. */
  route?: RouteDecision;
  /** Switches between candidate models made for this answer, in order; recorded as `ModelSwitched` facts before it. */
  fallbacks?: readonly ModelSwitch[];
}

/** A routing planner's decision (the `RouteEvaluated` fact without its interaction and iteration). */
export type RouteDecision = Omit<RouteEvaluatedData, 'interactionId' | 'iteration'>;

/**
 * @throws PlannerError (code `PLANNER_FAILED`) when no valid output could be obtained (after
 *   repairs and retries); `usage` on the error carries what was spent.
 */
export interface Planner {
  plan(request: PlanningRequest): Promise<PlannerResult>;
}
