/**
 * A planner that consults routes first (the fast path: no LLM call) and falls back to another
 * planner when none matches. On iteration 1 of an interaction the first matching route gives the
 * plan — its plan file or its one action, with `{{match.…}}` / `{{event.…}}` inputs filled in — and
 * the decision is returned as `route` (recorded as `RouteEvaluated`). Later iterations of a routed
 * interaction answer `done` with a summary of the step results, as a plan file's planner does; an
 * interaction no route matched is the fallback's throughout. Without a fallback an unmatched input
 * fails the planning call with `NoRouteError`. Routing is a pure function of the recorded input, so
 * a resumed call routes the same way.
 */
import { OrchestralError, hasErrorCode } from '../../errors/orchestral-error.ts';
import type { PlannerOutput } from '../../plan/planner-output.ts';
import { StepSpec } from '../../plan/plan-schema.ts';
import type { MatchedRoute } from '../../facts/facts/route-facts.ts';
import type { Planner, PlannerResult, PlanningRequest, RouteDecision } from '../planner.ts';
import { summarizeObservations } from '../static-planner.ts';
import { parseEventInput } from './event-input.ts';
import type { Route, Routes } from './routes-file.ts';
import { substituteRouteInputs, type RouteScope } from './substitute.ts';

/** No route matched and there is no planner to fall back to. Code `NO_ROUTE`, not retryable. */
export class NoRouteError extends OrchestralError {
  static readonly code = 'NO_ROUTE';
  readonly retryable = false;
  constructor(
    readonly input: string,
    readonly routesFile: string,
    readonly route?: RouteDecision,
  ) {
    super(NoRouteError.code, `no route of ${routesFile} matches '${input.length > 120 ? `${input.slice(0, 117)}…` : input}' and no planner is configured to fall back to`);
  }
}
export const isNoRouteError = (e: unknown): e is NoRouteError => hasErrorCode(e, NoRouteError.code);

/** A matching route and what its inputs may use. */
export interface RouteMatch {
  route: Route;
  scope: RouteScope;
  captures: unknown;
}

/** The first route matching `input` (an event input matches `{ event }` routes only), or undefined. */
export function matchRoute(routes: Routes, input: string): RouteMatch | undefined {
  const event = parseEventInput(input);
  for (const route of routes.routes) {
    if (route.match instanceof RegExp) {
      if (event !== undefined) continue;
      const m = route.match.exec(input);
      if (!m) continue;
      const groups: Record<string, string | undefined> = { ...m.groups };
      m.forEach((g, i) => (groups[String(i)] = g));
      return { route, scope: { match: groups }, captures: groups };
    }
    if (event !== undefined && event.type === route.match.event) return { route, scope: { event: event.data }, captures: event.data };
  }
  return undefined;
}

/** The recorded form of a match. */
function matched(routes: Routes, m: RouteMatch): MatchedRoute {
  const r = m.route;
  return {
    index: r.index,
    ...(r.name !== undefined ? { name: r.name } : {}),
    on: r.match instanceof RegExp ? 'regex' : 'event',
    pattern: r.match instanceof RegExp ? r.match.source : r.match.event,
    ...(r.plan ? { plan: r.plan.file } : {}),
    ...(r.action ? { action: r.action.name } : {}),
    captures: m.captures ?? null,
  };
}

/** The plan a route runs, inputs filled in. */
function routeOutput(m: RouteMatch): PlannerOutput {
  const { route, scope } = m;
  if (route.plan) return { kind: 'mini_plan', plan: substituteRouteInputs(route.plan.spec, scope) };
  const action = route.action!;
  return { kind: 'single_action', step: StepSpec.parse({ id: 'route', action: action.name, input: substituteRouteInputs(action.input, scope) }) };
}

/** Creates the planner; see the module doc. */
export function createRoutingPlanner(routes: Routes, fallback?: Planner): Planner {
  return {
    async plan(request: PlanningRequest): Promise<PlannerResult> {
      const m = matchRoute(routes, request.input);
      const recorded = { planner: 'routes', routes: routes.file, iteration: request.iteration };
      if (m !== undefined) {
        if (request.iteration > 1) {
          const title = m.route.plan?.spec.title ?? m.route.name;
          return { output: { kind: 'done', answer: summarizeObservations(request.observations, title) }, request: recorded, repairs: 0 };
        }
        return { output: routeOutput(m), request: recorded, repairs: 0, route: { routes: routes.file, route: matched(routes, m) } };
      }
      const decision: RouteDecision = { routes: routes.file, route: null, fallback: fallback ? 'planner' : 'none' };
      if (!fallback) throw new NoRouteError(request.input, routes.file, request.iteration === 1 ? decision : undefined);
      if (request.iteration > 1) return fallback.plan(request);
      try {
        return { ...(await fallback.plan(request)), route: decision };
      } catch (err) {
        // the failed call still records that no route matched
        throw typeof err === 'object' && err !== null ? Object.assign(err, { route: decision }) : err;
      }
    },
  };
}
