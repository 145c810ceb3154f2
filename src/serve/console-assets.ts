/**
 * The web console's files, served by the same process with no CDN: the page and its modules from
 * `console/` at the package's root (beside its package.json, whether this module runs from `src/`
 * or from the built `dist/src/`), and the libraries from the package's own `node_modules`
 * (preact, preact/hooks, htm, elkjs), mapped by the page's import map. Only the files listed here
 * are served (no path from the request reaches the file system).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';

/** The nearest directory at or above this module's that holds a package.json: the package's root. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}
const consoleDir = join(packageRoot(), 'console');
const require = createRequire(import.meta.url);
/** The installed directory of package `name` (found from its main entry: not every package exports package.json). */
const pkg = (name: string): string => {
  const entry = require.resolve(name);
  const marker = `node_modules/${name}/`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length - 1);
};

/** URL path → file, media type. */
function assets(): Record<string, [string, string]> {
  const js = 'text/javascript; charset=utf-8';
  const files: Record<string, [string, string]> = {
    '/': [join(consoleDir, 'index.html'), 'text/html; charset=utf-8'],
    '/console/style.css': [join(consoleDir, 'style.css'), 'text/css; charset=utf-8'],
    '/vendor/preact.mjs': [join(pkg('preact'), 'dist', 'preact.mjs'), js],
    '/vendor/hooks.mjs': [join(pkg('preact'), 'hooks', 'dist', 'hooks.mjs'), js],
    '/vendor/htm.mjs': [join(pkg('htm'), 'dist', 'htm.module.js'), js],
    '/vendor/elk.bundled.js': [join(pkg('elkjs'), 'lib', 'elk.bundled.js'), js],
  };
  for (const f of ['app.js', 'api.js', 'threads.js', 'thread.js', 'dag.js', 'panels.js']) files[`/console/${f}`] = [join(consoleDir, f), js];
  return files;
}

/** Paths of the console (public: no token needed). */
export function isConsolePath(path: string): boolean {
  return path === '/' || path.startsWith('/console/') || path.startsWith('/vendor/') || path === '/t' || path.startsWith('/t/');
}

/** Registers the console's routes: `/`, `/t/:id` (the same page; the page routes), `/console/*`, `/vendor/*`. */
export function consoleRoutes(app: OpenAPIHono): void {
  const table = assets();
  const cache = new Map<string, Buffer>();
  const send = async (path: string): Promise<Response> => {
    const entry = table[path];
    if (!entry) return new Response('not found', { status: 404 });
    let body = cache.get(path);
    if (!body) cache.set(path, (body = await readFile(entry[0])));
    return new Response(new Uint8Array(body), { headers: { 'content-type': entry[1], 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' } });
  };
  app.get('/', () => send('/'));
  app.get('/t/:id', () => send('/'));
  app.get('/console/:file', (c) => send(c.req.path));
  app.get('/vendor/:file', (c) => send(c.req.path));
}
