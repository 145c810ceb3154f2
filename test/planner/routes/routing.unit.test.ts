/**
 * The routing planner without processes: first match wins, regex groups and event data fill the
 * inputs (whole-string placeholders keep their JSON type, step references are left alone), event
 * inputs only match event routes, later iterations of a routed interaction answer `done`, an
 * unmatched input goes to the fallback (or fails with NO_ROUTE), and the decision is returned.
 */
import { describe, expect, it } from 'vitest';
import { createRoutingPlanner, isNoRouteError, matchRoute } from '../../../src/planner/routes/routing-planner.ts';
import { formatEventInput, parseEventInput } from '../../../src/planner/routes/event-input.ts';
import { substituteRouteInputs } from '../../../src/planner/routes/substitute.ts';
import type { Routes } from '../../../src/planner/routes/routes-file.ts';
import type { Planner, PlanningRequest } from '../../../src/planner/planner.ts';
import { PlanSpec } from '../../../src/plan/plan-schema.ts';

const routes: Routes = {
  file: '/r/routes.yaml',
  routes: [
    { index: 0, name: 'say', match: /^say (?<word>\w+)$/u, action: { name: 'echo', input: { said: '{{match.word}}', all: 'x {{match.0}} y' } } },
    { index: 1, match: /^say/u, action: { name: 'echo', input: {} } },
    {
      index: 2,
      match: { event: 'deploy' },
      plan: {
        file: '/r/deploy.yaml',
        hasMcpServers: false,
        actionModules: [],
        spec: PlanSpec.parse({ title: 'deploy', steps: [{ id: 'a', action: 'echo', input: { env: '{{event.env}}', n: '{{event.n}}', ref: '{{steps.x.output}}' } }] }),
      },
    },
  ],
};
const request = (input: string, iteration = 1): PlanningRequest => ({
  threadId: 't',
  interactionId: 'i1',
  iteration,
  input,
  mergedInputs: [],
  observations: [],
  actions: [],
  signal: new AbortController().signal,
});

describe('routes', () => {
  it('the first matching route wins and fills its inputs', async () => {
    const r = await createRoutingPlanner(routes).plan(request('say hi'));
    expect(r.output).toMatchObject({ kind: 'single_action', step: { id: 'route', action: 'echo', input: { said: 'hi', all: 'x say hi y' } } });
    expect(r.route).toMatchObject({ routes: '/r/routes.yaml', route: { index: 0, name: 'say', on: 'regex', action: 'echo', captures: { word: 'hi', '0': 'say hi', '1': 'hi' } } });
    expect(matchRoute(routes, 'say')?.route.index).toBe(1);
  });

  it('events match event routes only; data keeps its JSON types; step references stay', async () => {
    const text = formatEventInput({ type: 'deploy', data: { env: 'prod', n: 3 } });
    expect(parseEventInput(text)).toEqual({ type: 'deploy', data: { env: 'prod', n: 3 } });
    expect(matchRoute(routes, formatEventInput({ type: 'say', data: null }))).toBeUndefined();
    const r = await createRoutingPlanner(routes).plan(request(text));
    expect(r.output).toMatchObject({ kind: 'mini_plan', plan: { steps: [{ input: { env: 'prod', n: 3, ref: '{{steps.x.output}}' } }] } });
    expect(substituteRouteInputs({ a: '{{event.missing}}' }, { event: {} })).toEqual({ a: null });
  });

  it('a routed interaction is done at its next iteration, without the fallback', async () => {
    let calls = 0;
    const fallback: Planner = { plan: () => ((calls += 1), Promise.resolve({ output: { kind: 'done', answer: 'model' }, repairs: 0 })) };
    const r = await createRoutingPlanner(routes, fallback).plan(request('say hi', 2));
    expect(r.output.kind).toBe('done');
    expect(r.route).toBeUndefined();
    expect(calls).toBe(0);
  });

  it('no match: the fallback answers (decision recorded at iteration 1), or NO_ROUTE without one', async () => {
    const fallback: Planner = { plan: () => Promise.resolve({ output: { kind: 'done', answer: 'model' }, repairs: 0 }) };
    const r = await createRoutingPlanner(routes, fallback).plan(request('other'));
    expect(r.output).toEqual({ kind: 'done', answer: 'model' });
    expect(r.route).toEqual({ routes: '/r/routes.yaml', route: null, fallback: 'planner' });
    const err: unknown = await createRoutingPlanner(routes).plan(request('other')).then(() => undefined, (e: unknown) => e);
    expect(isNoRouteError(err)).toBe(true);
    expect(err).toMatchObject({ route: { route: null, fallback: 'none' } });
  });
});
