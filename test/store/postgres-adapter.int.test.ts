/**
 * What is specific to the PostgreSQL adapter (the contract suite runs in `postgres.int.test.ts`):
 * schema creation and versioning, open errors, group commit, commit order = position order under
 * concurrent writers on several pools, writers outside the lock protocol, bigint conversion,
 * LISTEN/NOTIFY and the safety-net poll. Local server: `ORCHESTRAL_TEST_PG_URL`, default
 * postgresql://127.0.0.1:5432/test; each test uses fresh `orch_t_<random>` schemas, dropped after it.
 * The file fails (it does not skip) when the server is unreachable.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { isStoreOpenError, isWrongExpectedVersionError, type StoreOpenError } from '../../src/store/errors.ts';
import { ANY, NO_STREAM } from '../../src/store/event-store.ts';
import { quoteIdent, withDefaultUser } from '../../src/store/postgres/connection.ts';
import {
  getPostgresEventStore,
  openPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from '../../src/store/postgres/postgres-event-store.ts';
import { LOCK_SQL, SCHEMA_VERSION } from '../../src/store/postgres/schema.ts';
import { eventChecksum } from '../../src/store/integrity.ts';
import { collect, ids, rawEvent, rawEvents, rejection, until, watch } from './contract/helpers.ts';
import { retryAndDuplicateInOneCommit, wrongRevisionInOneCommit } from './fixtures/group-commit-cases.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from './fixtures/pg-helpers.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const admin = usePgAdmin(3);

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A new schema name, dropped after the test. */
function freshSchema(): string {
  const schema = schemaName();
  cleanups.push(() => dropSchema(admin(), schema));
  return schema;
}

/** A raw-codec store on `opts.schema` (absent: a fresh one; `undefined`: the URL's), closed after the test. */
function open(opts: Partial<PostgresEventStoreOptions> = {}): PostgresEventStore {
  const schema = 'schema' in opts ? opts.schema : freshSchema();
  const store = getPostgresEventStore({ codec: rawCodec, connectionString: PG_URL, poolSize: 4, ...opts, schema });
  cleanups.push(() => store.close());
  return store;
}

/** Inserts one row straight into `schema`'s events table (a writer that skips the adapter), with a valid chained checksum. */
async function rawInsert(q: Pick<pg.ClientBase, 'query'>, schema: string, position: bigint, streamId: string, revision: bigint): Promise<string> {
  const id = randomUUID();
  const prev = await q.query(`SELECT checksum FROM ${quoteIdent(schema)}.events WHERE stream_id = $1 AND revision = $2`, [streamId, (revision - 1n).toString()]);
  const recordedAt = '2026-01-01T00:00:00.000Z';
  const checksum = eventChecksum(prev.rows[0]?.checksum, { streamId, revision, id, type: 'Test', dataJson: '{"n":-1}', metadataJson: '{"schemaVersion":1}', recordedAt });
  await q.query({
    text: `INSERT INTO ${quoteIdent(schema)}.events (position, stream_id, revision, id, type, data, metadata, recorded_at, checksum)
           VALUES ($1, $2, $3, $4, 'Test', '{"n":-1}', '{"schemaVersion":1}', $5, $6)`,
    values: [position.toString(), streamId, revision.toString(), id, recordedAt, checksum],
  });
  return id;
}

describe('postgres store: schema and opening', () => {
  it('creates its schema and tables on first use, with the schema version recorded', async () => {
    const store = open();
    await store.ready();
    await store.ready();
    const meta = await admin().query(`SELECT schema_version FROM ${quoteIdent(store.schema)}.orchestral_meta`);
    expect(meta.rows).toEqual([{ schema_version: SCHEMA_VERSION }]);
    const columns = await admin().query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' ORDER BY ordinal_position`,
      [store.schema],
    );
    expect(Object.fromEntries(columns.rows.map((r: { column_name: string; data_type: string }) => [r.column_name, r.data_type]))).toEqual({
      position: 'bigint',
      stream_id: 'text',
      revision: 'bigint',
      id: 'uuid',
      type: 'text',
      data: 'json',
      metadata: 'json',
      recorded_at: 'timestamp with time zone',
      checksum: 'text',
    });
  });

  it('lets several processes open a new schema at once (the migration runs once, under the lock)', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 4 }, () => open({ schema }));
    await Promise.all(stores.map((s) => s.ready()));
    await Promise.all(stores.map((s, i) => s.appendToStream(`s-${i}`, rawEvents(1))));
    expect(await collect(() => stores[0]!.readAll())).toHaveLength(4);
  });

  it('refuses a newer schema version with StoreOpenError newer_schema naming the URL without its password; nothing modified', async () => {
    const first = open();
    await first.appendToStream('a', rawEvents(1));
    const s = quoteIdent(first.schema);
    await admin().query(`UPDATE ${s}.orchestral_meta SET schema_version = $1`, [SCHEMA_VERSION + 1]);
    const url = new URL(withDefaultUser(PG_URL));
    url.password = 'secret-pw';
    const err = await rejection(openPostgresEventStore({ connectionString: url.toString(), schema: first.schema, codec: rawCodec }));
    expect(isStoreOpenError(err)).toBe(true);
    const e = err as StoreOpenError;
    expect(e.reason).toBe('newer_schema');
    expect(e.message).toContain(first.schema);
    expect(e.message).toContain(`version ${SCHEMA_VERSION + 1}`);
    expect(e.location).toContain('127.0.0.1');
    expect(`${e.location} ${e.message}`).not.toContain('secret-pw');
    const lazy = open({ schema: first.schema });
    expect((await rejection(lazy.appendToStream('a', rawEvents(1)))) as StoreOpenError).toMatchObject({ reason: 'newer_schema' });
    expect((await admin().query(`SELECT schema_version FROM ${s}.orchestral_meta`)).rows).toEqual([{ schema_version: SCHEMA_VERSION + 1 }]);
    expect((await admin().query(`SELECT count(*)::int AS n FROM ${s}.events`)).rows).toEqual([{ n: 1 }]);
  });

  it("refuses a schema whose 'events' table is not Orchestral's (not_orchestral) and leaves it alone", async () => {
    const schema = freshSchema();
    await admin().query(`CREATE SCHEMA ${quoteIdent(schema)}; CREATE TABLE ${quoteIdent(schema)}.events (x int)`);
    const err = await rejection(openPostgresEventStore({ codec: factCodec, connectionString: PG_URL, schema }));
    expect(err).toMatchObject({ code: 'STORE_OPEN', reason: 'not_orchestral' });
    expect((err as Error).message).toContain(`schema '${schema}'`);
    const tables = await admin().query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
    expect(tables.rows).toEqual([{ table_name: 'events' }]);
  });

  it('reports an unreachable server as StoreOpenError io with a clear message, at open and on first use', async () => {
    const connectionString = 'postgresql://someone:secret-pw@127.0.0.1:1/test';
    const err = await rejection(openPostgresEventStore({ codec: factCodec, connectionString, connectTimeoutMs: 5000 }));
    expect(isStoreOpenError(err)).toBe(true);
    const e = err as StoreOpenError;
    expect(e.reason).toBe('io');
    expect(e.message).toMatch(/cannot reach the PostgreSQL server.*ECONNREFUSED/);
    expect(e.location).toBe('postgresql://someone@127.0.0.1:1/test');
    expect(e.message).not.toContain('secret-pw');
    const lazy = getPostgresEventStore({ connectionString, connectTimeoutMs: 5000, codec: rawCodec });
    expect(await rejection(lazy.streamRevision('x'))).toMatchObject({ reason: 'io' });
    expect(await rejection(lazy.appendToStream('x', rawEvents(1)))).toMatchObject({ reason: 'io' });
    const sub = watch(lazy.subscribeToAll());
    await until(() => sub.error !== undefined, 'the subscription error');
    expect(sub.error).toMatchObject({ reason: 'io' });
    await lazy.close();
  });

  it("takes the schema from the URL's ?schema= parameter when the option is absent", async () => {
    const schema = freshSchema();
    const store = open({ connectionString: `${PG_URL}?schema=${schema}`, schema: undefined });
    await store.appendToStream('a', rawEvents(1));
    expect(store.schema).toBe(schema);
    expect((await admin().query(`SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.events`)).rows).toEqual([{ n: 1 }]);
  });

  it('refuses bad URLs (bad_url) and bad options (RangeError) before any I/O', () => {
    for (const connectionString of ['', 'mysql://127.0.0.1/test', 'postgres://127.0.0.1:port/test', 'host=127.0.0.1 dbname=test']) {
      expect(() => getPostgresEventStore({ codec: factCodec, connectionString }), connectionString).toThrow(expect.objectContaining({ reason: 'bad_url' }));
    }
    for (const schema of ['', 'pg_mine', 'x'.repeat(64)]) {
      expect(() => getPostgresEventStore({ codec: factCodec, connectionString: PG_URL, schema }), schema).toThrow(RangeError);
    }
    expect(() => getPostgresEventStore({ codec: factCodec, connectionString: PG_URL, maxEventBytes: 0 })).toThrow(/maxEventBytes/);
    expect(() => getPostgresEventStore({ codec: factCodec, connectionString: PG_URL, pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(() => getPostgresEventStore({ codec: factCodec, connectionString: PG_URL, poolSize: 1 })).toThrow(/poolSize/);
  });
});

describe('postgres store: appends', () => {
  it('coalesces appends made in one turn into one transaction; a wrong expected revision fails only its own append', async () => {
    const store = open();
    const all = await wrongRevisionInOneCommit(store);
    expect(store.stats().maxAppendsPerCommit).toBe(5);
    expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it('recognises a retry and a duplicate id inside the same commit', async () => {
    await retryAndDuplicateInOneCommit(open());
  });

  it('matches event ids case-insensitively (uuid column) and reads them back in lower case', async () => {
    const store = open();
    const id = randomUUID().toUpperCase();
    const event = { id, type: 'Test', data: { n: 1 } };
    const r = await store.appendToStream('u', [event], { expectedRevision: NO_STREAM });
    expect(await store.appendToStream('u', [{ ...event, id: id.toLowerCase() }], { expectedRevision: NO_STREAM })).toEqual(r);
    const [back] = await collect(() => store.readStream('u'));
    expect(back?.id).toBe(id.toLowerCase());
  });

  it('stores payload and metadata text exactly as the codec wrote it (json, not jsonb)', async () => {
    const store = open();
    const data = { zeta: 1, alpha: 'nul\u0000inside', big: 1e21, nested: { b: [1.5, null], a: true } };
    await store.appendToStream('t', [{ id: randomUUID(), type: 'Test', data, metadata: { correlationId: 'c', causationId: 'k' } }]);
    const [back] = await collect(() => store.readStream('t'));
    expect(JSON.stringify(back?.data)).toBe(JSON.stringify(data));
    expect(Object.keys(back!.metadata)).toEqual(['correlationId', 'causationId', 'schemaVersion', 'recordedAt']);
    const stored = await admin().query(`SELECT data::text AS data FROM ${quoteIdent(store.schema)}.events`);
    expect(stored.rows[0].data).toBe(JSON.stringify(data));
  });

  it('keeps revisions and positions beyond 2^53 exact (int8 → bigint)', async () => {
    const store = open();
    await store.ready();
    const big = 2n ** 60n + 7n;
    await rawInsert(admin(), store.schema, big, 'huge', big);
    expect(await store.streamRevision('huge')).toBe(big);
    const r = await store.appendToStream('huge', rawEvents(1), { expectedRevision: big });
    expect(r).toEqual({ nextExpectedRevision: big + 1n, position: big + 1n });
    const events = await collect(() => store.readStream('huge', { fromRevision: big + 1n }));
    expect(events.map((e) => [e.revision, e.position])).toEqual([[big + 1n, big + 1n]]);
    expect((await collect(() => store.readAll({ fromPosition: big }))).map((e) => e.position)).toEqual([big + 1n]);
  });

  it('re-runs a flush that loses a unique-index race to a writer outside the lock protocol, then applies the shared rules', async () => {
    const store = open();
    await store.ready();
    const intruder = await admin().connect();
    cleanups.push(() => intruder.release());
    await intruder.query('BEGIN');
    const intruderId = await rawInsert(intruder, store.schema, 1n, 'race', 0n); // no advisory lock taken
    const strict = store.appendToStream('race', rawEvents(1), { expectedRevision: NO_STREAM });
    const loose = store.appendToStream('race', rawEvents(1), { expectedRevision: ANY });
    const waiting = async (): Promise<number> =>
      (await admin().query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO%'`)).rows[0].n;
    for (let i = 0; i < 500 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await intruder.query('COMMIT');
    const err = await rejection(strict);
    expect(isWrongExpectedVersionError(err)).toBe(true);
    expect(err).toMatchObject({ streamId: 'race', expected: NO_STREAM, actual: 0n });
    expect(await loose).toEqual({ nextExpectedRevision: 1n, position: 2n });
    expect(store.stats().conflictRetries).toBeGreaterThanOrEqual(1);
    expect((await collect(() => store.readStream('race')))[0]?.id).toBe(intruderId);
  });

  it('orders positions by commit under concurrent writers on several pools: no reader or subscriber ever skips an event', async () => {
    const schema = freshSchema();
    const writers = Array.from({ length: 4 }, () => open({ schema, poolSize: 2 }));
    const observer = open({ schema, pollIntervalMs: 60_000 }); // live delivery through NOTIFY
    await Promise.all([...writers, observer].map((s) => s.ready()));
    const sub = watch(observer.subscribeToAll());
    // Heads of every stream written, followed by one scan per commit signal from the last position
    // scanned: a commit made visible after a later position would be stepped over for good.
    const streams = [...Array.from({ length: 5 }, (_, i) => `c-${i}`), ...Array.from({ length: 4 }, (_, w) => `w-${w}`)];
    const heads = new Map<string, bigint>();
    const headErrors: unknown[] = [];
    const headSubs = streams.map((id) =>
      observer.watchStreamHead!(id).subscribe({
        next: (v) => {
          if (v <= (heads.get(id) ?? -1n)) headErrors.push(`${id}: ${v} after ${heads.get(id)}`);
          heads.set(id, v);
        },
        error: (e) => headErrors.push(e),
      }),
    );
    // A tight reader doing what catch-up does: read after the last position seen. Positions are
    // gapless, so a page not starting at last + 1 means an event it has stepped over.
    const seen: bigint[] = [];
    const skips: string[] = [];
    let writing = true;
    const reader = (async () => {
      let last = 0n;
      for (;;) {
        const finalPass = !writing; // once the writers are done, read to the end and stop
        const r = await admin().query({
          text: `SELECT position FROM ${quoteIdent(schema)}.events WHERE position > $1 ORDER BY position LIMIT 200`,
          values: [last.toString()],
        });
        for (const row of r.rows as { position: string }[]) {
          const p = BigInt(row.position);
          if (p !== last + 1n) skips.push(`${last} → ${p}`);
          seen.push(p);
          last = p;
        }
        if (finalPass && r.rows.length < 200) return;
      }
    })();
    const perWriter = 25;
    await Promise.all(
      writers.map(async (store, w) => {
        for (let k = 0; k < perWriter; k++) {
          const pending = [store.appendToStream(`c-${k % 5}`, rawEvents(1 + (k % 3), k)), store.appendToStream(`w-${w}`, rawEvents(1))];
          await Promise.all(pending);
        }
      }),
    );
    writing = false;
    await reader;
    const all = await collect(() => observer.readAll());
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect(skips).toEqual([]);
    expect(seen).toEqual(all.map((e) => e.position));
    await until(() => sub.events.length >= all.length || sub.error !== undefined, 'the subscriber to catch up');
    expect(sub.error).toBeUndefined();
    expect(ids(sub.events)).toEqual(ids(all));
    for (const streamId of new Set(all.map((e) => e.streamId))) {
      const stream = all.filter((e) => e.streamId === streamId);
      expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => BigInt(i)));
    }
    expect(writers.reduce((n, s) => n + s.stats().events, 0)).toBe(all.length);
    const finalHeads = new Map(all.map((e) => [e.streamId, e.revision]));
    await until(() => streams.every((id) => heads.get(id) === finalHeads.get(id)) || headErrors.length > 0, 'every watched head to reach its stream\'s last revision');
    expect(headErrors).toEqual([]);
    for (const h of headSubs) h.unsubscribe();
    sub.stop();
  });

  it('answers each commit with one scan whatever the number of streams watched, the heads looked up once at subscription', async () => {
    const pool = new pg.Pool({ connectionString: withDefaultUser(PG_URL), max: 4 });
    pool.on('error', () => undefined);
    cleanups.push(() => pool.end());
    const texts: string[] = [];
    const query = pool.query.bind(pool) as (q: unknown) => Promise<unknown>;
    (pool as unknown as { query: (q: unknown) => Promise<unknown> }).query = (q) => {
      texts.push(typeof q === 'string' ? q : (q as { text: string }).text);
      return query(q);
    };
    const store = open({ pool, pollIntervalMs: 60_000 });
    await store.appendToStream('busy', rawEvents(1));
    const idle = Array.from({ length: 64 }, (_, i) => `idle-${i}`);
    const subs = idle.map((id) => store.watchStreamHead!(id).subscribe());
    const seen: bigint[] = [];
    subs.push(store.watchStreamHead!('busy').subscribe((v) => seen.push(v)));
    await until(() => seen.length === 1, 'the head of the busy stream');
    const count = (pattern: RegExp): number => texts.filter((t) => pattern.test(t)).length;
    const lookups = /ORDER BY revision DESC LIMIT 1/;
    const scans = /GROUP BY stream_id/;
    expect(count(lookups)).toBe(65);
    const scansBefore = count(scans);
    for (let k = 1; k <= 20; k++) {
      await store.appendToStream('busy', rawEvents(1, k));
      await until(() => seen.at(-1) === BigInt(k), `head ${k}`);
    }
    expect(seen).toEqual(Array.from({ length: 21 }, (_, i) => BigInt(i)));
    expect(count(lookups)).toBe(65); // none per watcher after commits
    // one scan per commit; at most one more for the NOTIFY of the same commit arriving after that
    // scan started, and one for the LISTEN connection coming up
    expect(count(scans) - scansBefore).toBeGreaterThanOrEqual(20);
    expect(count(scans) - scansBefore).toBeLessThanOrEqual(41);
    for (const s of subs) s.unsubscribe();
  });
});

describe('postgres store: subscriptions and lifecycle', () => {
  it('delivers commits made without NOTIFY through the safety-net poll', async () => {
    const store = open({ pollIntervalMs: 20 });
    await store.appendToStream('p', rawEvents(1));
    const w = watch(store.subscribeToAll());
    await until(() => w.events.length === 1, 'catch-up');
    const client = await admin().connect();
    try {
      await client.query('BEGIN');
      await client.query({ text: LOCK_SQL, values: [store.schema] });
      const id = await rawInsert(client, store.schema, 2n, 'p', 1n);
      await client.query('COMMIT');
      await until(() => w.events.length === 2, 'the event written without NOTIFY');
      expect(w.events[1]?.id).toBe(id);
    } finally {
      client.release();
    }
    w.stop();
  });

  it("delivers another instance's commits live through LISTEN/NOTIFY (poll far off)", async () => {
    const schema = freshSchema();
    const reader = open({ schema, pollIntervalMs: 60_000 });
    const writer = open({ schema, pollIntervalMs: 60_000 });
    await writer.ready();
    const all = watch(reader.subscribeToAll());
    const one = watch(reader.subscribeToStream('n'));
    const listening = async (): Promise<boolean> =>
      (await admin().query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN orchestral_events'`)).rows[0].n > 0;
    for (let i = 0; i < 500 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 5));
    const batch = [rawEvent(1), rawEvent(2)];
    await writer.appendToStream('n', batch);
    await until(() => all.events.length === 2 && one.events.length === 2, 'live events from the other instance');
    expect(ids(all.events)).toEqual(ids(batch));
    all.stop();
    one.stop();
  });

  it('re-opens a LISTEN connection the server dropped, without losing or failing a subscription', async () => {
    const app = `orch-test-${randomBytes(4).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: withDefaultUser(PG_URL), max: 3, application_name: app });
    pool.on('error', () => undefined);
    cleanups.push(() => pool.end());
    const schema = freshSchema();
    const reader = open({ schema, pool, pollIntervalMs: 30 });
    const writer = open({ schema });
    await writer.ready();
    const w = watch(reader.subscribeToAll());
    const listeners = async (): Promise<number[]> =>
      (await admin().query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query = 'LISTEN orchestral_events'`, [app])).rows.map(
        (r: { pid: number }) => r.pid,
      );
    let pids: number[] = [];
    for (let i = 0; i < 500 && pids.length === 0; i++) pids = await listeners();
    expect(pids).toHaveLength(1);
    await admin().query('SELECT pg_terminate_backend($1)', [pids[0]]);
    const batch = rawEvents(2);
    await writer.appendToStream('l', batch);
    await until(() => w.events.length === 2 || w.error !== undefined, 'events after the listener was dropped');
    expect(w.error).toBeUndefined();
    expect(ids(w.events)).toEqual(ids(batch));
    // The reader re-opens its listener on its own schedule (a reconnect after the drop): wait for it
    // by time, not by a count of queries, which a fast server runs through before the reconnect.
    let again: number[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && (again.length === 0 || again[0] === pids[0]); ) {
      again = await listeners();
      if (again.length === 0 || again[0] === pids[0]) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (again.length !== 1 || again[0] === pids[0]) {
      // what the reader's connections were doing, for the failure message
      const rows = (await admin().query(`SELECT pid, state, query FROM pg_stat_activity WHERE application_name = $1`, [app])).rows as unknown[];
      console.log(`no new LISTEN connection: pool total ${pool.totalCount}, idle ${pool.idleCount}, waiting ${pool.waitingCount}; backends ${JSON.stringify(rows)}`);
    }
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(pids[0]);
    w.stop();
  });

  it('commits queued appends on close, completes subscriptions, and leaves a pool it was given open', async () => {
    const pool = new pg.Pool({ connectionString: withDefaultUser(PG_URL), max: 3 });
    cleanups.push(() => pool.end());
    const store = open({ pool });
    await store.appendToStream('q', rawEvents(1));
    const w = watch(store.subscribeToAll());
    await until(() => w.events.length === 1, 'catch-up');
    const pending = store.appendToStream('q', rawEvents(2));
    await store.close();
    expect((await pending).nextExpectedRevision).toBe(2n);
    await until(() => w.completed, 'completion');
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const again = open({ pool, schema: store.schema });
    expect(await again.streamRevision('q')).toBe(2n);
  });
});
