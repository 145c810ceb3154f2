/**
 * `startServer`: one process serving a store — opens the store and its leases, starts the live
 * projections (checkpoints beside them), the SSE hub, the worker that runs the threads needing an
 * owner, and the HTTP server (Hono on `@hono/node-server`). `close()` stops accepting requests, ends
 * the SSE streams, stops the worker (results already arrived are recorded; leases handed back),
 * saves the projections and closes the store.
 *
 * Binding: 127.0.0.1 by default; any other host needs a token (`ServeTokenError` otherwise).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { OrchestralError } from '../errors/orchestral-error.ts';
import { processIdentity } from '../ownership/identity.ts';
import { openLeaseStore } from '../ownership/open-leases.ts';
import type { EventStore } from '../store/event-store.ts';
import { createApp } from './app.ts';
import type { ServeContext } from './context.ts';
import { startFactHub } from './fact-hub.ts';
import { startProjections } from './projections-host.ts';
import { defaultPlansDir, startRuntimeHost } from './runtime-host.ts';

/** Binding a non-loopback address without a token. */
export class ServeTokenError extends OrchestralError {
  static readonly code = 'SERVE_TOKEN_REQUIRED';
  constructor(host: string) {
    super(ServeTokenError.code, `--host ${host}: serving beyond loopback needs a token (--token or ORCHESTRAL_TOKEN)`);
  }
}

/** Options of `startServer`. */
export interface ServerOptions {
  store: EventStore;
  storeUrl: string;
  host?: string;
  /** 0: any free port. Default 7300. */
  port?: number;
  token?: string;
  corsOrigin?: string;
  /** Largest request body, bytes. Default 2 MiB (a plan may be up to the 1 MiB fact limit, JSON-escaped). */
  maxBodyBytes?: number;
  /** Absolute workspace of threads opened over HTTP. */
  workspace: string;
  /** Absolute paths of action modules for threads opened over HTTP. */
  actionModules?: string[];
  plansDir?: string;
  concurrency?: number;
  pollMs?: number;
  /** Where commands run (see `RuntimeHostOptions.commandRuntimes`); `per-command` is the benchmark's baseline. */
  commandRuntimes?: 'cached' | 'per-command';
  /** Most messages an SSE client may have queued. Default 10 000. */
  sseMaxQueued?: number;
  log?(line: string): void;
}

/** A running server. */
export interface RunningServer {
  url: string;
  port: number;
  context: ServeContext;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts the server (see the module doc). @throws ServeTokenError a non-loopback host without a token. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !o.token) throw new ServeTokenError(host);
  const log = o.log ?? (() => undefined);
  const leases = await openLeaseStore(o.storeUrl);
  const projections = await startProjections(o.store, o.storeUrl);
  const hub = startFactHub(o.store, projections.threads.position(), (err, retryInMs) => {
    const message = err instanceof Error ? err.message : String(err);
    log(retryInMs === undefined ? `stream hub stopped: ${message}` : `stream hub subscription failed (${message}); subscribing again in ${retryInMs} ms`);
  });
  const runtime = await startRuntimeHost({
    store: o.store,
    storeUrl: o.storeUrl,
    leases,
    identity: processIdentity(),
    workspace: o.workspace,
    actionModules: o.actionModules ?? [],
    plansDir: o.plansDir ?? defaultPlansDir(o.storeUrl),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.commandRuntimes ? { commandRuntimes: o.commandRuntimes } : {}),
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
    onEvent: log,
  });
  const context: ServeContext = { store: o.store, storeUrl: o.storeUrl, leases, projections, hub, runtime, sseMaxQueued: o.sseMaxQueued ?? 10_000 };
  const app = createApp(context, { ...(o.token ? { token: o.token } : {}), ...(o.corsOrigin ? { corsOrigin: o.corsOrigin } : {}), maxBodyBytes: o.maxBodyBytes ?? 2 * 1024 * 1024 });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 7300 }, () => resolve(s as Server));
    (s as Server).once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    context,
    close: () =>
      (closing ??= (async () => {
        hub.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await runtime.stop();
        await projections.stop();
        await leases.close();
      })()),
  };
}
