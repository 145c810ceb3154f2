/**
 * `orchestral serve [--host 127.0.0.1] [--port 7300] [--token T] [--cors ORIGIN]`: the HTTP API, the
 * SSE streams and the web console over the store, plus a worker that runs the threads needing an
 * owner (src/serve/). Runs until SIGTERM/SIGINT. Binding another host than loopback needs
 * `--token` or `ORCHESTRAL_TOKEN`.
 */
import type { Command } from 'commander';
import { startServer } from '../../serve/index.ts';
import { resolveModulePaths } from '../action-modules.ts';
import { parsePort, positiveInt } from '../args.ts';
import { UsageError } from '../cli-errors.ts';
import type { ContextHolder } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { withStore } from '../store.ts';
import { resolveWorkspace } from '../workspace.ts';
import { untilStopSignal } from '../until-stopped.ts';

interface ServeCliOptions {
  host: string;
  port: string;
  token?: string;
  cors?: string;
  workspace?: string;
  actions?: string[];
  concurrency: string;
  maxBody: string;
}

/** The `serve` command. */
export async function serveCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<ServeCliOptions>();
  const port = parsePort(o.port, '--port', 7300);
  const token = o.token ?? (process.env['ORCHESTRAL_TOKEN'] || undefined);
  const workspace = await resolveWorkspace(o.workspace);
  const actionModules = resolveModulePaths(o.actions ?? [], process.cwd());
  const concurrency = positiveInt(o.concurrency, '--concurrency');
  const maxBodyBytes = positiveInt(o.maxBody, '--max-body');
  if (o.cors !== undefined && !URL.canParse(o.cors)) throw new UsageError(`--cors: expected an origin such as http://localhost:5173, got '${o.cors}'`);
  return withStore(storeUrl, async (store) => {
    const server = await startServer({
      store,
      storeUrl,
      host: o.host,
      port,
      workspace,
      actionModules,
      concurrency,
      maxBodyBytes,
      ...(token ? { token } : {}),
      ...(o.cors !== undefined ? { corsOrigin: new URL(o.cors).origin } : {}),
      log: (line) => io.out(line),
    });
    io.out(`orchestral serve: ${server.url} (store ${storeUrl}${token ? ', bearer token required' : ''}) · console ${server.url}/ · API ${server.url}/openapi.json`);
    await untilStopSignal();
    await server.close();
    io.out('orchestral serve: stopped');
    return EXIT.ok;
  }, { create: true });
}
