/**
 * `run --routes routes.yaml [--intent "…"]`: the routing planner (planner/routes/) over the OpenAI
 * planner when one is configured (`OPENAI_API_KEY`, `OPENAI_BASE_URL` or `--base-url`), else over
 * none. The descriptor `{ kind: 'routes', config: { routes, fallback?, workspace, actions?, mcp? } }`
 * records the routes file (read again by later commands) and the fallback's OpenAI config. An
 * intent no route matches with no fallback fails at once with one line (`NO_ROUTE`, exit 64).
 */
import { createRoutingPlanner, loadRoutes, matchRoute, NoRouteError } from '../index.ts';
import type { Planner } from '../index.ts';
import type { Prepared } from './run-prepared.ts';
import type { OpenAIPlannerConfig } from './planner-descriptor.ts';

/** What `prepareRoutes` needs from `run`. */
export interface RoutesRunOptions {
  file: string;
  intent: string | undefined;
  title: string | undefined;
  workspace: string;
  /** `--actions` modules (absolute). */
  extra: string[];
  /** `--mcp` files (absolute); route plan files with `mcpServers` are added to them. */
  mcpConfigs: string[];
  /** Builds the OpenAI fallback; undefined when none is configured. */
  fallback: (() => Promise<{ planner: Planner; config: OpenAIPlannerConfig }>) | undefined;
}

/**
 * The planner, descriptor and input of a routed run.
 * @throws RoutesFileError / PlanFileError a bad routes file or route plan; NoRouteError (exit 64)
 *   an intent no route matches and no fallback.
 */
export async function prepareRoutes(o: RoutesRunOptions): Promise<Prepared> {
  const routes = await loadRoutes(o.file);
  if (o.intent !== undefined && o.fallback === undefined && matchRoute(routes, o.intent) === undefined) {
    throw new NoRouteError(o.intent, routes.file);
  }
  const fallback = o.fallback ? await o.fallback() : undefined;
  const routeModules = routes.routes.flatMap((r) => r.plan?.actionModules ?? []);
  const modules = [...new Set([...routeModules, ...o.extra])];
  const mcpPlans = [...new Set(routes.routes.flatMap((r) => (r.plan?.hasMcpServers ? [r.plan.file] : [])))];
  const mcp = o.mcpConfigs.length + mcpPlans.length > 0 ? { mcp: { configs: o.mcpConfigs, plans: mcpPlans } } : {};
  const fallbackConfig = fallback ? (({ workspace: _w, actions: _a, mcp: _m, ...rest }) => rest)(fallback.config as OpenAIPlannerConfig & { mcp?: unknown }) : undefined;
  return {
    descriptor: {
      kind: 'routes',
      config: {
        routes: routes.file,
        workspace: o.workspace,
        ...(fallbackConfig ? { fallback: fallbackConfig, ...(fallbackConfig.timeoutMs !== undefined ? { timeoutMs: fallbackConfig.timeoutMs, maxRetries: fallbackConfig.maxRetries } : {}) } : {}),
        ...(modules.length ? { actions: modules } : {}),
        ...mcp,
      },
    },
    planner: createRoutingPlanner(routes, fallback?.planner),
    ...(o.intent !== undefined ? { input: o.intent } : {}),
    ...(o.title !== undefined ? { title: o.title } : {}),
    modules,
  };
}
