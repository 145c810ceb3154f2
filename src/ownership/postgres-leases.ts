/**
 * PostgreSQL leases: a **session-level advisory lock** per thread on a connection of this lease
 * store, plus an informational row in `<schema>.thread_leases` (holder, pid, boot id, host, times).
 *
 * Why the advisory lock and not only a row with an expiry: PostgreSQL releases a session lock the
 * moment the owner's connection ends (process killed, connection dropped, server restart), so
 * takeover needs no clock agreement between machines and never waits for an expiry after a crash;
 * while the connection lives nobody else can take the thread, even if the owner's event loop
 * stalls. The row only tells others who holds it; a row whose lock is not held (checked against
 * `pg_locks`) is stale and ignored. Heartbeat (`renew`) is a round trip on the lock's connection:
 * when it fails the lock is gone and the holder must stop its effects.
 *
 * Lock key: the first 63 bits of sha256(schema, thread id) as a bigint (`pg_try_advisory_lock(bigint)`);
 * a collision only means two threads cannot be owned by different processes at once.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { systemClock, type Clock } from '../core/clock.ts';
import { checkSchemaName, quoteIdent, withDefaultUser } from '../store/postgres/connection.ts';
import { leaseHolder, type AcquireResult, type HolderIdentity, type LeaseHolder, type LeaseRecord, type LeaseStore } from './lease.ts';

/** Options of `getPostgresLeaseStore`. */
export interface PostgresLeaseOptions {
  /** The store's connection string (`?schema=` names the schema, default `orchestral`). */
  connectionString: string;
  /** Default: the URL's `?schema=`, else `orchestral`. */
  schema?: string;
  clock?: Clock;
  /** Only `holderOf` / `list`: creates nothing (a schema without the table has no leases). Default false. */
  readOnly?: boolean;
}

/** First key of the advisory lock serialising the lease table's creation: ASCII "ORLS" as an int4. */
const DDL_LOCK_CLASS = 0x4f524c53;

/** The advisory lock key of a thread in a schema: a non-negative int8, as a decimal string. */
export function leaseLockKey(schema: string, threadId: string): string {
  const digest = createHash('sha256').update(schema).update('\0').update(threadId).digest();
  return (digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn).toString();
}

interface Row {
  thread_id: string;
  holder_id: string;
  pid: number;
  boot_id: string;
  host: string;
  acquired_at_ms: string;
  expires_at_ms: string;
}

/** A query function that runs one statement at a time on its client. */
type SerialQuery = <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

/**
 * Serialises the queries sent to one `pg.Client`: a heartbeat, an acquire and a release can overlap
 * on the lease connection, and pg 8 warns (pg 9 throws) when `client.query()` is called while
 * another query of the same client is running. Each query starts after the previous one settled.
 */
function serialQuery(c: pg.Client): SerialQuery {
  let tail: Promise<unknown> = Promise.resolve();
  return <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => {
    const run = tail.then(() => c.query<R>(sql, params));
    tail = run.catch(() => undefined);
    return run;
  };
}

const toHolder = (r: Row): LeaseHolder => ({
  id: r.holder_id,
  pid: Number(r.pid),
  bootId: r.boot_id,
  host: r.host,
  acquiredAtMs: Number(r.acquired_at_ms),
  expiresAtMs: Number(r.expires_at_ms),
});

/** A lease store on one dedicated PostgreSQL connection (see the module doc). Connects on first use. */
export function getPostgresLeaseStore(options: PostgresLeaseOptions): LeaseStore {
  const clock = options.clock ?? systemClock;
  const schema = checkSchemaName(options.schema ?? new URL(options.connectionString).searchParams.get('schema') ?? 'orchestral');
  const table = `${quoteIdent(schema)}.thread_leases`;
  const held = new Map<string, HolderIdentity>(); // thread id → holder whose lock this connection holds
  let client: { end(): Promise<void>; query: SerialQuery } | undefined;
  let ready: Promise<SerialQuery> | undefined;
  let broken: unknown;
  let closed = false;

  const connect = (): Promise<SerialQuery> =>
    (ready ??= (async () => {
      const url = new URL(withDefaultUser(options.connectionString));
      url.searchParams.delete('schema');
      const c = new pg.Client({ connectionString: url.toString(), keepAlive: true, application_name: 'orchestral-leases' });
      c.on('error', (err) => {
        broken = err; // the session ended: every advisory lock of it is released by the server
        held.clear();
      });
      await c.connect();
      const query = serialQuery(c);
      if (!options.readOnly) await createTable(query);
      client = { end: () => c.end(), query };
      return query;
    })());

  /** Creates the schema and table if missing; concurrent first uses are serialised by a transaction-scoped advisory lock. */
  const createTable = async (query: SerialQuery): Promise<void> => {
    await query(`BEGIN;
      SELECT pg_advisory_xact_lock(${DDL_LOCK_CLASS}, hashtext(${pg.escapeLiteral(schema)}));
      CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};
      CREATE TABLE IF NOT EXISTS ${table} (
        thread_id text PRIMARY KEY, lock_key bigint NOT NULL, holder_id text NOT NULL, pid integer NOT NULL,
        boot_id text NOT NULL, host text NOT NULL, acquired_at_ms bigint NOT NULL, expires_at_ms bigint NOT NULL);
      COMMIT`).catch(async (err: unknown) => {
      await query('ROLLBACK').catch(() => undefined);
      throw err;
    });
  };

  const use = async (): Promise<SerialQuery> => {
    if (closed) throw new Error('postgres lease store is closed');
    if (broken !== undefined) throw broken instanceof Error ? broken : new Error(String(broken));
    return connect();
  };

  /** Rows whose advisory lock is held right now (by any session of this database). */
  const liveRowsSql = `SELECT l.* FROM ${table} l WHERE EXISTS (
      SELECT 1 FROM pg_locks p WHERE p.locktype = 'advisory' AND p.granted AND p.objsubid = 1
        AND p.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND p.classid::bigint = (l.lock_key >> 32) AND p.objid::bigint = (l.lock_key & 4294967295))`;

  const upsert = (query: SerialQuery, threadId: string, key: string, h: LeaseHolder): Promise<unknown> =>
    query(
      `INSERT INTO ${table} (thread_id, lock_key, holder_id, pid, boot_id, host, acquired_at_ms, expires_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (thread_id) DO UPDATE SET lock_key = $2, holder_id = $3, pid = $4, boot_id = $5, host = $6, acquired_at_ms = $7, expires_at_ms = $8`,
      [threadId, key, h.id, h.pid, h.bootId, h.host, h.acquiredAtMs, h.expiresAtMs],
    );

  /** Rows of a read query; none when the table does not exist yet (a read-only store nobody owned a thread of). */
  const readRows = async (sql: string, params: unknown[]): Promise<Row[]> => {
    const query = await use();
    try {
      return (await query<Row>(sql, params)).rows;
    } catch (err) {
      if ((err as { code?: unknown }).code === '42P01' || (err as { code?: unknown }).code === '3F000') return [];
      throw err;
    }
  };

  const holderOf = async (threadId: string): Promise<LeaseHolder | undefined> => {
    const row = (await readRows(`${liveRowsSql} AND l.thread_id = $1`, [threadId]))[0];
    return row ? toHolder(row) : undefined;
  };

  return {
    async acquire(threadId: string, who: HolderIdentity, ttlMs: number): Promise<AcquireResult> {
      if (options.readOnly) throw new Error('postgres lease store opened read-only: acquire is not allowed');
      const query = await use();
      const key = leaseLockKey(schema, threadId);
      const mine = held.get(threadId)?.id;
      if (mine !== undefined && mine !== who.id) return { acquired: false, ...(await holderOf(threadId).then((h) => (h ? { holder: h } : {}))) };
      const now = clock.now();
      if (mine === undefined) {
        const r = await query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (!r.rows[0]?.ok) {
          const holder = await holderOf(threadId);
          return holder ? { acquired: false, holder } : { acquired: false };
        }
        held.set(threadId, { id: who.id, pid: who.pid, bootId: who.bootId, host: who.host });
        const holder = leaseHolder(who, now, now + ttlMs);
        await upsert(query, threadId, key, holder);
        return { acquired: true, holder };
      }
      const renewed = await this.renew(threadId, who.id, ttlMs);
      return renewed ? { acquired: true, holder: renewed } : { acquired: false };
    },
    async renew(threadId, holderId, ttlMs) {
      const who = held.get(threadId);
      if (who?.id !== holderId) return undefined;
      try {
        const query = await use();
        const expiresAtMs = clock.now() + ttlMs;
        const r = await query<Row>(`UPDATE ${table} SET expires_at_ms = $3 WHERE thread_id = $1 AND holder_id = $2 RETURNING *`, [threadId, holderId, expiresAtMs]);
        if (held.get(threadId)?.id !== holderId) return undefined; // the connection broke meanwhile
        const row = r.rows[0];
        if (row) return toHolder(row);
        const key = leaseLockKey(schema, threadId);
        const holder = leaseHolder(who, clock.now(), expiresAtMs);
        await upsert(query, threadId, key, holder);
        return holder;
      } catch {
        held.delete(threadId);
        // Lost the lease: make sure this session does not keep the lock either (no-op if the connection is gone).
        if (broken === undefined && client) await client.query('SELECT pg_advisory_unlock($1::bigint)', [leaseLockKey(schema, threadId)]).catch(() => undefined);
        return undefined;
      }
    },
    async release(threadId, holderId) {
      if (held.get(threadId)?.id !== holderId) return;
      held.delete(threadId);
      if (broken !== undefined || closed || !client) return;
      await client.query(`DELETE FROM ${table} WHERE thread_id = $1 AND holder_id = $2`, [threadId, holderId]);
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [leaseLockKey(schema, threadId)]);
    },
    holderOf,
    async list(): Promise<LeaseRecord[]> {
      const rows = await readRows(`${liveRowsSql} ORDER BY l.thread_id`, []);
      return rows.map((row) => ({ threadId: row.thread_id, holder: toHolder(row) }));
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!client && ready) await ready.catch(() => undefined);
      const c = client;
      if (c && broken === undefined) {
        const threads = [...held.keys()];
        held.clear();
        if (threads.length > 0) await c.query(`DELETE FROM ${table} WHERE thread_id = ANY($1::text[])`, [threads]).catch(() => undefined);
      }
      await c?.end().catch(() => undefined); // ending the session releases its advisory locks
    },
  };
}
