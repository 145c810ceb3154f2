/**
 * `StaticPlanner` and plan files — the main offline job: run a plan written by hand.
 *
 * Plan files: a `PlanSpec` written as JSON (`.json`) or YAML (any other extension; YAML 1.2 via the
 * `yaml` package, duplicate keys refused), parsed once by plan-text.ts (nesting and alias limits).
 * Unknown keys are errors. Errors name the file and, where known, the 1-based line and column: the
 * syntax error's position, the unknown key's, or the position of the field a schema issue is about
 * (the nearest existing parent for a missing field).
 *
 * The planner answers iteration 1 with `{ kind: 'mini_plan', plan }` and every later iteration with
 * `{ kind: 'done', answer }`, where `answer` summarises the observations (see `summarizeObservations`).
 * It never asks for input, costs nothing (`usage` undefined) and needs no repairs.
 */
import { readFile } from 'node:fs/promises';
import { PlanSpec, type PlanSpecInput } from '../plan/plan-schema.ts';
import { PlanFileError, PlannerConfigError } from './errors.ts';
import { formatZodIssues } from './zod-issues.ts';
import { parsePlanFileText, type ParsedPlanText } from './plan-text.ts';
import { truncate } from './planner-prompt.ts';
import type { Observation } from '../../machines/interaction.types.ts';
import type { Planner, PlannerResult, PlanningRequest } from './planner.ts';

/** Options of `createStaticPlanner`. */
export interface StaticPlannerOptions {
  /** Where the plan came from (a file path), recorded in `request`. */
  source?: string;
  /** Longest rendering of one step's output or error in the answer, characters (default 500). */
  maxOutputChars?: number;
}

/**
 * A planner that returns `plan` as a `mini_plan` on iteration 1, then `done` with a summary of the
 * observations. `request` records `{ planner: 'static', source?, iteration }`.
 * @throws PlannerConfigError when `plan` does not match `PlanSpec` (issues as `path: message`).
 */
export function createStaticPlanner(plan: PlanSpecInput, options: StaticPlannerOptions = {}): Planner {
  const parsed = PlanSpec.safeParse(plan);
  if (!parsed.success) {
    const issues = formatZodIssues(parsed.error.issues, plan).join('; ');
    throw new PlannerConfigError(`static planner${options.source !== undefined ? ` (${options.source})` : ''}: invalid plan: ${issues}`);
  }
  const spec = parsed.data;
  const maxChars = options.maxOutputChars ?? 500;
  return {
    plan(request: PlanningRequest): Promise<PlannerResult> {
      const recorded = { planner: 'static', ...(options.source !== undefined ? { source: options.source } : {}), iteration: request.iteration };
      if (request.iteration <= 1) return Promise.resolve({ output: { kind: 'mini_plan', plan: spec }, request: recorded, repairs: 0 });
      const answer = summarizeObservations(request.observations, spec.title, maxChars);
      return Promise.resolve({ output: { kind: 'done', answer }, request: recorded, repairs: 0 });
    },
  };
}

/**
 * The static planner's final answer: a headline with counts, then one line per observation in
 * completion order, e.g.
 * `Plan 'nightly' finished: 2 completed, 1 failed, 0 cancelled.` /
 * `- fetch (http.request): completed → {"status":200}` / `- parse (echo): failed: bad input`.
 * Outputs/errors are cut at `maxChars` characters.
 */
export function summarizeObservations(observations: readonly Observation[], title: string | undefined, maxChars = 500): string {
  const count = (s: Observation['status']) => observations.filter((o) => o.status === s).length;
  const name = title !== undefined ? `Plan '${title}'` : 'Plan';
  const head = `${name} finished: ${count('completed')} completed, ${count('failed')} failed, ${count('cancelled')} cancelled.`;
  const lines = observations.map((o) => {
    const what = `- ${o.stepId} (${o.action}): ${o.status}`;
    if (o.error !== undefined) return `${what}: ${truncate(o.error, maxChars)}`;
    if (o.output === undefined) return what;
    return `${what} → ${truncate(JSON.stringify(o.output) ?? String(o.output), maxChars)}`;
  });
  return [head, ...lines].join('\n');
}

/**
 * Reads and validates a plan file.
 * @returns the parsed plan, defaults applied.
 * @throws PlanFileError (`PLAN_FILE`) when the file cannot be read, has a syntax error
 *   (`plan.yaml:3:7: …`), or does not match `PlanSpec` (`plan.yaml:12:9: steps[2] (id 'x').retry.maxAttempts: …`).
 */
export async function loadPlanFile(path: string): Promise<PlanSpec> {
  return (await readPlanText(path)).plan;
}

/**
 * Reads and parses a plan file once: the plan, its `actions` key and the position map of its fields.
 * @throws PlanFileError as `loadPlanFile`.
 */
export async function readPlanText(path: string): Promise<ParsedPlanText> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PlanFileError(path, `cannot read plan file ${path}: ${(err as Error).message}`);
  }
  return parsePlanFileText(text, path);
}

/**
 * Parses plan text; `file` names it in errors and picks the syntax (`.json` → JSON, else YAML).
 * The plan-file-only `actions` key is accepted and left out (see `parsePlanFileText`).
 * @throws PlanFileError as `loadPlanFile`, and for nesting or alias expansion past the limits.
 */
export function parsePlanText(text: string, file: string): PlanSpec {
  return parsePlanFileText(text, file).plan;
}
