/**
 * `StaticPlanner` and plan files — the main offline job: run a plan written by hand.
 *
 * Plan files: a `PlanSpec` written as JSON (`.json`) or YAML (any other extension; YAML 1.2 via the
 * `yaml` package, duplicate keys refused). Errors name the file and, where known, the 1-based
 * line and column: the syntax error's position, or the position of the field a schema issue is
 * about (the nearest existing parent for a missing field).
 *
 * The planner answers iteration 1 with `{ kind: 'mini_plan', plan }` and every later iteration with
 * `{ kind: 'done', answer }`, where `answer` summarises the observations (see `summarizeObservations`).
 * It never asks for input, costs nothing (`usage` undefined) and needs no repairs.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { PlanSpec } from '../plan/plan-schema.ts';
import { PlanFileError, PlannerConfigError } from './errors.ts';
import { formatZodIssues } from './zod-issues.ts';
import { truncate } from './planner-prompt.ts';
import type { Observation, Planner, PlannerResult, PlanningRequest } from './planner.ts';

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
export function createStaticPlanner(plan: PlanSpec, options: StaticPlannerOptions = {}): Planner {
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PlanFileError(path, `cannot read plan file ${path}: ${(err as Error).message}`);
  }
  return parsePlanText(text, path);
}

/**
 * Parses plan text; `file` names it in errors and picks the syntax (`.json` → JSON, else YAML).
 * @throws PlanFileError as `loadPlanFile`.
 */
export function parsePlanText(text: string, file: string): PlanSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  let value: unknown;
  if (/\.json$/i.test(file)) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      const msg = (err as Error).message;
      const at = /at position (\d+)/.exec(msg);
      const { line, col } = lines.linePos(at?.[1] !== undefined ? Number(at[1]) : text.length);
      throw new PlanFileError(file, `${file}:${line}:${col}: invalid JSON: ${msg}`, [], line, col);
    }
  } else {
    const first = doc.errors[0];
    if (first) {
      const { line, col } = lines.linePos(first.pos[0]);
      throw new PlanFileError(file, `${file}:${line}:${col}: invalid YAML: ${first.message.split('\n')[0]}`, [], line, col);
    }
    value = doc.toJS();
  }
  const parsed = PlanSpec.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = formatZodIssues(parsed.error.issues, value);
  const firstPath = parsed.error.issues[0]?.path ?? [];
  const pos = doc.errors.length === 0 ? positionOf(doc, firstPath, lines) : undefined;
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  throw new PlanFileError(file, `${where}: invalid plan: ${issues.join('; ')}`, issues, pos?.line, pos?.col);
}

/** Line/column of the node at `path`, or of its nearest existing ancestor. */
function positionOf(doc: Document, path: readonly PropertyKey[], lines: LineCounter): { line: number; col: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return undefined;
}
