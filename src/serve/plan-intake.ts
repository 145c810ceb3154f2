/**
 * A plan posted to `POST /threads` (a JSON object, or JSON/YAML text): parsed with the plan file
 * parser (line/column, unknown keys, depth and alias limits), checked against the server's action
 * registry (unknown actions, inputs, cycles, references) and against the event size limit, before
 * any fact is written. Every refusal is ApiError 422 `PLAN_INVALID` naming the first bad field
 * (`field`, e.g. `steps[1].action`) and every issue.
 *
 * Plans posted over HTTP may not name action modules (`actions:`): loading a module runs its code,
 * so the modules are the server's (`serve --actions`).
 */
import type { ActionRegistry } from '../actions/registry.ts';
import { isPlanValidationError } from '../plan/errors.ts';
import { normalizePlan } from '../plan/normalize.ts';
import type { PlanSpec } from '../plan/plan-schema.ts';
import { isPlanFileError } from '../planner/errors.ts';
import { parsePlanFileText } from '../planner/plan-text.ts';
import { checkPlanFileSize } from '../cli/plan-size.ts';
import { ApiError } from './problem.ts';

/** A posted plan, checked. `text` is what is kept on disk for the static planner; `ext` its syntax. */
export interface PostedPlan {
  plan: PlanSpec;
  text: string;
  ext: 'json' | 'yaml';
}

/** The field path an issue line starts with (`steps[2].input.url: expected string` → `steps[2].input.url`). */
function fieldOfIssue(issue: string | undefined): string | undefined {
  const m = issue === undefined ? null : /^([A-Za-z0-9_[\].-]*):\s/.exec(issue);
  return m?.[1] || undefined;
}

/**
 * Parses and checks a posted plan. `source` is an object (already JSON) or text (`yaml` decides the
 * syntax of text).
 * @throws ApiError 422 `PLAN_INVALID` with `field` and `issues`.
 */
export function checkPostedPlan(source: unknown, registry: ActionRegistry, yaml: boolean): PostedPlan {
  const ext = typeof source === 'string' && yaml ? 'yaml' : 'json';
  const text = typeof source === 'string' ? source : JSON.stringify(source);
  const name = `plan.${ext}`;
  let parsed: ReturnType<typeof parsePlanFileText>;
  try {
    parsed = parsePlanFileText(text, name);
  } catch (err) {
    if (!isPlanFileError(err)) throw err;
    const field = fieldOfIssue(err.issues[0]);
    const line = err.line !== undefined ? { line: err.line, column: err.column } : {};
    throw Object.assign(new ApiError(422, 'PLAN_INVALID', err.message, { ...(field !== undefined ? { field } : {}), issues: err.issues.length > 0 ? err.issues : [err.message] }), line);
  }
  if (parsed.actionModules.length > 0) {
    throw new ApiError(422, 'PLAN_INVALID', "actions: a plan posted over HTTP cannot load action modules; start the server with --actions", { field: 'actions', issues: ['actions: not accepted over HTTP'] });
  }
  if (parsed.mcpServers !== undefined) {
    throw new ApiError(422, 'PLAN_INVALID', 'mcpServers: a plan posted over HTTP cannot start MCP servers (they run commands on this machine)', { field: 'mcpServers', issues: ['mcpServers: not accepted over HTTP'] });
  }
  let plan: PlanSpec;
  try {
    plan = normalizePlan(parsed.plan, registry);
  } catch (err) {
    if (!isPlanValidationError(err)) throw err;
    throw new ApiError(422, 'PLAN_INVALID', err.message, { field: err.field, issues: err.issues.map((i) => `${i.field}: ${i.message}`) });
  }
  try {
    checkPlanFileSize({ file: name, plan: parsed.plan, actionModules: [], hasMcpServers: false, locate: parsed.locate }, plan, name);
  } catch (err) {
    if (!isPlanFileError(err)) throw err;
    throw new ApiError(422, 'PLAN_INVALID', err.message, { issues: err.issues });
  }
  return { plan: parsed.plan, text, ext };
}
