/**
 * `orchestral serve` on PostgreSQL through a failure: while the store cannot read its events table
 * (renamed away: every read fails), the SSE hub's and the projectors' subscriptions error; once the
 * table is back they subscribe again, so an SSE client connected before the outage receives the
 * facts appended after it (each once) and the thread list shows the new thread. The local server, a
 * throwaway schema (see pg-helpers; the file fails when the server is unreachable).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { factCodec } from '../../src/facts/fact-codec.ts';
import type { ProjectorStatus } from '../../src/projections/projector.ts';
import { startServer } from '../../src/serve/server.ts';
import { quoteIdent } from '../../src/store/postgres/connection.ts';
import { openPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { dropSchema, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { freshPgStoreUrl, openThreads } from './pg-serve-fixture.ts';
import { waitFor } from './serve-fixture.ts';
import { openSse, type SseEvent } from './sse-client.ts';

const admin = usePgAdmin(2);

describe('serve on PostgreSQL through an outage', () => {
  it('an SSE client connected before the outage receives the facts appended after it; the thread list updates', async () => {
    const { schema, storeUrl } = freshPgStoreUrl();
    const dir = mkdtempSync(join(tmpdir(), 'orchestral-serve-pg-outage-'));
    const lines: string[] = [];
    const store = await openPostgresEventStore({ codec: factCodec, connectionString: storeUrl, pollIntervalMs: 30 });
    const server = await startServer({ store, storeUrl, port: 0, workspace: dir, plansDir: join(dir, 'plans'), pollMs: 100, log: (line) => lines.push(line) });
    const got: SseEvent[] = [];
    const sse = openSse(`${server.url}/stream`, undefined, (e) => got.push(e));
    try {
      const { hub, projections } = server.context;
      await waitFor('the SSE client to attach', () => (hub.size() === 1 ? true : undefined));
      await projections.caughtUp(await openThreads(store, ['a']));
      await waitFor('the live fact of a', () => (got.some((e) => e.data['threadId'] === 'a') ? true : undefined));
      const statuses: ProjectorStatus['kind'][] = [];
      const watching = projections.threads.status$.subscribe((s) => statuses.push(s.kind));

      await admin().query(`ALTER TABLE ${quoteIdent(schema)}.events RENAME TO events_away`);
      try {
        await waitFor('the hub to fail twice', () => (lines.filter((l) => l.startsWith('stream hub subscription failed')).length >= 2 ? true : undefined));
        await waitFor('the threads projector to retry', () => (statuses.includes('retrying') ? true : undefined));
      } finally {
        await admin().query(`ALTER TABLE ${quoteIdent(schema)}.events_away RENAME TO events`);
      }
      expect(lines.some((l) => l.startsWith('stream hub stopped'))).toBe(false);
      const last = await openThreads(store, ['b']);
      await waitFor('the live fact of b', () => (got.some((e) => e.data['threadId'] === 'b') ? true : undefined));
      await projections.caughtUp(last);
      watching.unsubscribe();
      expect(projections.threads.status()).toEqual({ kind: 'running', position: last });
      const listed = (await (await fetch(`${server.url}/threads?limit=50`)).json()) as { threads: { threadId: string }[] };
      expect(listed.threads.map((t) => t.threadId).sort()).toEqual(['a', 'b']);
      const facts = got.filter((e) => e.event === 'fact');
      expect(facts.map((e) => e.data['threadId'])).toEqual(['a', 'b']); // each once, in order
      expect(hub.size()).toBe(1);
    } finally {
      sse.stop();
      await sse.done;
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(admin(), schema);
    }
  }, 60_000);
});
