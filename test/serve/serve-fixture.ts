/**
 * A real `orchestral serve` server for tests: a fresh SQLite store in a temporary directory, bound to
 * 127.0.0.1 on a free port, plus helpers for JSON requests, waiting and counting the store's events.
 * `close()` stops it and removes the directory.
 */
import { factCodec } from '../../src/facts/fact-codec.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../src/serve/server.ts';

/** A server under test. */
export interface ServeFixture {
  server: RunningServer;
  store: EventStore;
  storeUrl: string;
  dir: string;
  url: string;
  /** fetch relative to the server, JSON body when `body` is given. */
  request(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>;
  /** Every event of the store (id list), to prove a refused request wrote nothing. */
  eventIds(): Promise<string[]>;
  /** Restarts the server on the same store file (same port not guaranteed). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A plan: `a` → `b` (b asks for approval when `approval`), echo steps, with a `sleep` before b when `sleepMs`. */
export function testPlan(o: { approval?: boolean; sleepMs?: number; title?: string } = {}): Record<string, unknown> {
  const steps: Record<string, unknown>[] = [{ id: 'a', action: 'echo', input: { v: 1 } }];
  if (o.sleepMs) steps.push({ id: 'wait', action: 'sleep', dependsOn: ['a'], input: { ms: o.sleepMs } });
  steps.push({ id: 'b', action: 'echo', dependsOn: [o.sleepMs ? 'wait' : 'a'], input: { v: 2 }, ...(o.approval ? { requiresApproval: true } : {}) });
  return { title: o.title ?? 'test plan', steps };
}

/** Starts a server on a new SQLite store. */
export async function startFixture(options: Partial<ServerOptions> = {}): Promise<ServeFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-serve-'));
  const file = join(dir, 'events.db');
  const storeUrl = `sqlite:${file}`;
  let store = getSqliteEventStore({ codec: factCodec, path: file, create: true });
  const start = (s: EventStore): Promise<RunningServer> => startServer({ store: s, storeUrl, port: 0, workspace: dir, pollMs: 100, ...options });
  let server = await start(store);
  const f: ServeFixture = {
    get server() {
      return server;
    },
    get store() {
      return store;
    },
    storeUrl,
    dir,
    get url() {
      return server.url;
    },
    async request(path, init = {}) {
      const headers: Record<string, string> = { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
      const res = await fetch(server.url + path, { method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'), headers, ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
      const text = await res.text();
      let json: Record<string, unknown> = {};
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        json = { text };
      }
      return { status: res.status, headers: res.headers, json };
    },
    async eventIds() {
      const ids: string[] = [];
      for await (const e of store.readAll()) ids.push(e.id);
      return ids;
    },
    async restart() {
      await server.close();
      await store.close();
      store = getSqliteEventStore({ codec: factCodec, path: file });
      server = await start(store);
    },
    async close() {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return f;
}

/** Polls `check` every 50 ms until it returns a value (not undefined); fails after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The status of step `stepId` in the thread's `GET /threads/:id` answer. */
export function stepStatus(show: Record<string, unknown>, stepId: string): string | undefined {
  const steps = show['steps'] as Record<string, { plans: Record<string, { steps: Record<string, { status: string }> }> }>;
  for (const i of Object.values(steps ?? {})) for (const p of Object.values(i.plans)) if (p.steps[stepId]) return p.steps[stepId]!.status;
  return undefined;
}
