/**
 * The HTTP application (Hono, with routes declared through `@hono/zod-openapi` so the request
 * schemas both validate and generate `GET /openapi.json`). Order of the middleware: security
 * headers, CORS only when an origin is configured, bearer auth (when a token is set), the body
 * limit; then the routes. Every error is a problem document (`problem.ts`): invalid request fields
 * 422 `INVALID_REQUEST` naming the field, malformed JSON 400 `MALFORMED_JSON`, too large a body 413
 * `BODY_TOO_LARGE`, unknown routes 404 `NOT_FOUND`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { bearerAuth } from './auth.ts';
import { consoleRoutes, isConsolePath } from './console-assets.ts';
import type { ServeContext } from './context.ts';
import { ApiError, problemResponse } from './problem.ts';
import { commandRoutes } from './routes/commands.ts';
import { healthRoutes } from './routes/health.ts';
import { inspectRoutes } from './routes/inspect.ts';
import { openRoutes } from './routes/threads-open.ts';
import { readRoutes } from './routes/threads-read.ts';
import { streamRoutes } from './routes/streams.ts';

/** Options of the HTTP layer. */
export interface AppOptions {
  /** Bearer token every API request must carry (none: no check). */
  token?: string;
  /** Allowed CORS origin (none: no CORS headers at all). */
  corsOrigin?: string;
  /** Largest request body, bytes. */
  maxBodyBytes: number;
}

/** The field path of a zod issue path (`steps[1].action`). */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
}

/** Builds the app over the server's parts. */
export function createApp(ctx: ServeContext, o: AppOptions): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => `${fieldPath(i.path) || '(body)'}: ${i.message}`);
      const field = fieldPath(result.error.issues[0]?.path ?? []);
      return problemResponse(new ApiError(422, 'INVALID_REQUEST', `invalid request: ${issues.slice(0, 5).join('; ')}`, { ...(field ? { field } : {}), issues }), c.req.path);
    },
  });
  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('x-frame-options', 'DENY');
  });
  if (o.corsOrigin !== undefined) app.use('*', cors({ origin: o.corsOrigin, allowHeaders: ['authorization', 'content-type', 'last-event-id'], allowMethods: ['GET', 'POST'] }));
  app.use('*', bearerAuth(o.token, isConsolePath));
  app.use(
    '*',
    bodyLimit({
      maxSize: o.maxBodyBytes,
      onError: (c) => problemResponse(new ApiError(413, 'BODY_TOO_LARGE', `the request body is over the limit of ${o.maxBodyBytes} bytes`), c.req.path),
    }),
  );
  healthRoutes(app, ctx);
  readRoutes(app, ctx);
  openRoutes(app, ctx);
  commandRoutes(app, ctx);
  inspectRoutes(app, ctx);
  streamRoutes(app, ctx);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Orchestral', version: '0.1.0', description: 'Threads, their facts and commands; errors are application/problem+json with an Orchestral error `code`.' },
    ...(o.token !== undefined ? { security: [{ bearer: [] }] } : {}),
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  consoleRoutes(app);
  app.notFound((c) => problemResponse(new ApiError(404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), c.req.path));
  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status === 400 && /json/i.test(err.message)) {
      return problemResponse(new ApiError(400, 'MALFORMED_JSON', 'the request body is not valid JSON'), c.req.path);
    }
    if (err instanceof HTTPException) return problemResponse(new ApiError(err.status, err.status === 413 ? 'BODY_TOO_LARGE' : 'BAD_REQUEST', err.message), c.req.path);
    return problemResponse(err, c.req.path);
  });
  return app;
}
