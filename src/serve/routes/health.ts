/**
 * `GET /healthz`: the server is up; where its projections and worker are. `ok` is false while a
 * projection is not `running`: `retrying` (its store subscription failed; it subscribes again after
 * a delay), `failed` or `stopped`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ServeApp, ServeContext } from '../context.ts';
import { json, problem } from './route-kit.ts';

const Health = z.object({
  ok: z.boolean(),
  projections: z.record(z.string(), z.object({ status: z.string(), position: z.number() })),
  running: z.array(z.string()).openapi({ description: 'threads this server runs now' }),
  sseClients: z.number(),
});

/** Registers `/healthz`. */
export function healthRoutes(app: ServeApp, ctx: ServeContext): void {
  app.openapi(createRoute({ method: 'get', path: '/healthz', summary: 'liveness and projection positions', responses: { 200: json(Health, 'up'), 401: problem('missing or wrong bearer token') } }), (c) => {
    const p = ctx.projections;
    const projections = Object.fromEntries([p.threads, p.steps, p.dag, p.costs].map((x) => [x.name, { status: x.status().kind, position: Number(x.position()) }]));
    const ok = Object.values(projections).every((x) => x.status === 'running');
    return c.json({ ok, projections, running: ctx.runtime.worker.running(), sseClients: ctx.hub.size() }, 200);
  });
}
