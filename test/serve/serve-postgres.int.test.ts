/**
 * `orchestral serve` on a PostgreSQL store (the local server, a throwaway schema named by the URL's
 * `?schema=`): the projections' checkpoints are saved in the schema's `projection_state` table, and
 * a restarted server resumes from the stored positions instead of the first fact.
 */
import { factCodec } from '../../src/facts/fact-codec.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgresProjectionStore } from '../../src/projections/postgres-projection-store.ts';
import { startServer } from '../../src/serve/server.ts';
import { openPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { dropSchema, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { freshPgStoreUrl, openThreads } from './pg-serve-fixture.ts';

const admin = usePgAdmin(2);

describe('serve on PostgreSQL', () => {
  it('saves the projections in the store schema and resumes from the stored position after a restart', async () => {
    const { schema, storeUrl } = freshPgStoreUrl();
    const dir = mkdtempSync(join(tmpdir(), 'orchestral-serve-pg-'));
    const start = (store: EventStore) => startServer({ store, storeUrl, port: 0, workspace: dir, plansDir: join(dir, 'plans'), pollMs: 100 });
    try {
      let store = await openPostgresEventStore({ codec: factCodec, connectionString: storeUrl, pollIntervalMs: 100 });
      const first = await openThreads(store, ['a', 'b', 'c']);
      let server = await start(store);
      expect(server.context.projections.threads.start).toBe('fresh');
      expect(server.context.projections.location).toContain(`#${schema}`);
      await server.context.projections.caughtUp(first);
      await server.close();
      await store.close();

      const rows = openPostgresProjectionStore({ connectionString: storeUrl });
      for (const name of ['threads', 'steps', 'dag', 'costs']) expect((await rows.load(name))?.position).toBe(first);
      await rows.close();

      store = await openPostgresEventStore({ codec: factCodec, connectionString: storeUrl, pollIntervalMs: 100 });
      const last = await openThreads(store, ['d', 'e']);
      server = await start(store);
      const projections = server.context.projections;
      expect([projections.threads.start, projections.steps.start, projections.dag.start, projections.costs.start]).toEqual(['resumed', 'resumed', 'resumed', 'resumed']);
      await projections.caughtUp(last);
      const listed = (await (await fetch(`${server.url}/threads?limit=50`)).json()) as { threads: { threadId: string }[] };
      expect(listed.threads.map((t) => t.threadId).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
      await server.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(admin(), schema);
    }
  });
});
