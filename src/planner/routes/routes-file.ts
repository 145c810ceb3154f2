/**
 * Routes files (`--routes routes.yaml`): an ordered list; the first route that matches wins.
 *
 * ```yaml
 * - name: count                       # optional
 *   match: '^count (?<ext>\w+) files$'  # a regular expression on the intent text (JavaScript syntax, unanchored)
 *   plan: ./count.yaml                # a plan file, relative to this file
 * - match: { event: deploy }          # events sent with `orchestral emit <thread> deploy --data '{…}'`
 *   action: { name: shell.exec, input: { argv: [./deploy.sh, '{{event.env}}'] } }
 * ```
 * Inputs may use `{{match.<group>}}` and `{{event.<path>}}` (see substitute.ts). Plan files are read
 * and checked when the routes file is loaded, so a bad one fails before anything runs.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { OrchestralError, hasErrorCode } from '../../errors/orchestral-error.ts';
import type { PlanSpec } from '../../plan/plan-schema.ts';
import { readPlanText } from '../static-planner.ts';
import { EVENT_TYPE_PATTERN } from './event-input.ts';

/** A routes file that cannot be read or is invalid (the route and field are named). Exit 64. */
export class RoutesFileError extends OrchestralError {
  static readonly code = 'ROUTES_FILE';
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(RoutesFileError.code, `routes file ${file}: ${detail}`, options);
  }
}
export const isRoutesFileError = (e: unknown): e is RoutesFileError => hasErrorCode(e, RoutesFileError.code);

const RouteSpec = z
  .strictObject({
    name: z.string().min(1).optional(),
    match: z.union([z.string().min(1), z.strictObject({ event: z.string().regex(EVENT_TYPE_PATTERN) })], {
      error: 'expected a regular expression (string) or { event: <type> }',
    }),
    plan: z.string().min(1).optional(),
    action: z.strictObject({ name: z.string().min(1), input: z.record(z.string(), z.unknown()).optional() }).optional(),
  })
  .refine((r) => (r.plan === undefined) !== (r.action === undefined), { error: 'give exactly one of plan or action' });
const RoutesSpec = z.array(RouteSpec).min(1, 'expected at least one route');

/** A loaded route. */
export interface Route {
  index: number;
  name?: string;
  /** A compiled regular expression, or the event type. */
  match: RegExp | { event: string };
  /** The plan (its file's absolute path and content). */
  plan?: { file: string; spec: PlanSpec; actionModules: string[]; hasMcpServers: boolean };
  action?: { name: string; input: Record<string, unknown> };
}

/** A loaded routes file. */
export interface Routes {
  /** Absolute path. */
  file: string;
  routes: Route[];
}

/**
 * Reads, checks and compiles a routes file and the plan files it names.
 * @throws RoutesFileError unreadable, not YAML/JSON, a bad route (index and field named), a bad
 *   regular expression; PlanFileError a plan file it names is invalid.
 */
export async function loadRoutes(path: string): Promise<Routes> {
  const file = resolve(path);
  let value: unknown;
  try {
    value = parseYaml(await readFile(file, 'utf8'), { uniqueKeys: true });
  } catch (err) {
    throw new RoutesFileError(file, (err as Error).message.split('\n')[0] ?? String(err), { cause: err });
  }
  const parsed = RoutesSpec.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
    throw new RoutesFileError(file, `${where ? `routes${where}: ` : ''}${issue.message}`);
  }
  const routes: Route[] = [];
  for (const [index, r] of parsed.data.entries()) {
    let match: Route['match'];
    if (typeof r.match === 'string') {
      try {
        match = new RegExp(r.match, 'u');
      } catch (err) {
        throw new RoutesFileError(file, `routes[${index}].match: ${(err as Error).message}`);
      }
    } else match = { event: r.match.event };
    const route: Route = { index, match, ...(r.name !== undefined ? { name: r.name } : {}) };
    if (r.plan !== undefined) {
      const planFile = resolve(dirname(file), r.plan);
      const text = await readPlanText(planFile);
      route.plan = {
        file: planFile,
        spec: text.plan,
        actionModules: text.actionModules.map((m) => resolve(dirname(planFile), m)),
        hasMcpServers: text.mcpServers !== undefined,
      };
    }
    if (r.action !== undefined) route.action = { name: r.action.name, input: r.action.input ?? {} };
    routes.push(route);
  }
  return { file, routes };
}
