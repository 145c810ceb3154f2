/**
 * `orchestral/serve`: the HTTP server (`orchestral serve` in-process). `startServer({ store,
 * storeUrl, workspace, … })` serves the store's threads over a JSON API with SSE streams and the
 * web console, runs the threads needing an owner, and resolves once listening (127.0.0.1 by
 * default); `close()` stops it. Importing this entry loads Hono and the server's routes.
 */
export { startServer, ServeTokenError } from './server.ts';
export type { ServerOptions, RunningServer } from './server.ts';
