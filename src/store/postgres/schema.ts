/**
 * The tables of an Orchestral PostgreSQL store and their migrations.
 *
 * Everything lives in one PostgreSQL schema (namespace; default `orchestral`), so several stores
 * (or test runs) share a database without colliding:
 * - `orchestral_meta`: one row holding the store's schema version (the analogue of SQLite's
 *   `user_version`); its presence marks the schema as an Orchestral store.
 * - `events`: the log (see the v1 migration).
 *
 * Migrations run on first use, in one transaction holding the store's advisory lock
 * (`storeLock`), so concurrent first opens from several processes apply each step exactly once,
 * and appends (which take the same lock) never run against a half-migrated schema. Other
 * components may keep their own tables in the schema; migrations never touch tables they do not
 * own and refuse a schema whose `events` table is someone else's.
 */
import pg from 'pg';
import { StoreOpenError } from '../errors.ts';
import { eventChecksum } from '../integrity.ts';
import { quoteIdent, STORE_TYPES } from './connection.ts';

/**
 * First key of every advisory lock the store takes: ASCII "ORCH" as an int4 (the same magic as
 * the SQLite adapter's application id). The second key is `hashtext(schema)`. A hash collision
 * between two schemas only serialises their appends together; it never breaks correctness.
 */
export const ADVISORY_LOCK_CLASS = 0x4f524348;

/** SQL taking the store's transaction-scoped advisory lock; `$1` is the schema name. */
export const LOCK_SQL = `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, hashtext($1))`;

/**
 * One simple-protocol query (one round trip) opening an append transaction: `BEGIN` in READ
 * COMMITTED (each later statement sees every commit made before the lock was granted) and the
 * store's advisory lock, with the schema name inlined as a literal.
 */
export function beginLockedSql(schema: string): string {
  return `BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, hashtext(${pg.escapeLiteral(schema)}))`;
}

/** The NOTIFY channel of every Orchestral store; the payload is the schema name (see `change-signals.ts`). */
export const NOTIFY_CHANNEL = 'orchestral_events';

/** One schema step, applied once (inside the migration transaction) when the stored version is below `version`. */
export interface Migration {
  /** The version after this step (1, 2, …; contiguous). */
  version: number;
  description: string;
  /** The DDL, for the schema quoted as `s`. */
  sql(s: string): string;
  /** Data changes run after the DDL, in the same transaction (e.g. filling a new column). */
  after?(client: pg.ClientBase, s: string): Promise<void>;
}

/**
 * Every migration, oldest first. Never edit a released step: add a new one.
 *
 * v1 — the log. `position` is assigned by the append transaction as `max(position) + 1` while it
 * holds the store's advisory lock (see `group-commit.ts`): positions are gapless and their order
 * is commit order. `json` (not `jsonb`) keeps the payload text byte-for-byte as the codec wrote it
 * (key order, number spelling, `\u0000`), as the other adapters do, while SQL can still query it.
 * `UNIQUE (stream_id, revision)` is also the index behind "last revision of a stream";
 * `id UNIQUE` backs idempotent retries and duplicate-id detection.
 *
 * v2 — `checksum`: each event's chained checksum (`integrity.ts`), verified by every read.
 * Events stored before are given theirs by the migration (`sealExistingEvents`).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'events table',
    sql: (s) => `
      CREATE TABLE ${s}.events (
        position    bigint      PRIMARY KEY CHECK (position >= 1),
        stream_id   text        NOT NULL,
        revision    bigint      NOT NULL CHECK (revision >= 0),
        id          uuid        NOT NULL UNIQUE,
        type        text        NOT NULL,
        data        json        NOT NULL,
        metadata    json        NOT NULL,
        recorded_at timestamptz NOT NULL,
        UNIQUE (stream_id, revision)
      )`,
  },
  {
    version: 2,
    description: 'per-event chained checksum',
    sql: (s) => `ALTER TABLE ${s}.events ADD COLUMN checksum text`,
    after: sealExistingEvents,
  },
];

/** Events the v2 migration reads and updates per round trip. */
const SEAL_PAGE = 5000;

/**
 * Computes the chained checksum (see `integrity.ts`) of every event stored before checksums
 * existed, stream by stream in revision order, a page at a time. It vouches for the events as
 * they are at migration time.
 */
async function sealExistingEvents(client: pg.ClientBase, s: string): Promise<void> {
  let after: [string, string] | undefined;
  let prev: { streamId: string; checksum: string } | undefined;
  for (;;) {
    const page = await client.query<{ position: string; stream_id: string; revision: string; id: string; type: string; data: string; metadata: string; recorded_at: Date }>({
      text: `SELECT position::text, stream_id, revision::text, id::text, type, data, metadata, recorded_at FROM ${s}.events
              ${after === undefined ? '' : 'WHERE (stream_id, revision) > ($2, $3::bigint)'} ORDER BY stream_id, revision LIMIT $1`,
      values: after === undefined ? [SEAL_PAGE] : [SEAL_PAGE, ...after],
      types: STORE_TYPES,
    });
    if (page.rows.length === 0) return;
    const positions: string[] = [];
    const sums: string[] = [];
    for (const r of page.rows) {
      const chained = prev?.streamId === r.stream_id ? prev.checksum : undefined;
      const checksum = eventChecksum(chained, {
        streamId: r.stream_id,
        revision: BigInt(r.revision),
        id: r.id,
        type: r.type,
        dataJson: r.data,
        metadataJson: r.metadata,
        recordedAt: r.recorded_at.toISOString(),
      });
      prev = { streamId: r.stream_id, checksum };
      positions.push(r.position);
      sums.push(checksum);
    }
    await client.query({
      text: `UPDATE ${s}.events e SET checksum = u.checksum FROM unnest($1::bigint[], $2::text[]) AS u(position, checksum) WHERE e.position = u.position`,
      values: [positions, sums],
    });
    const last = page.rows.at(-1);
    if (last === undefined || page.rows.length < SEAL_PAGE) return;
    after = [last.stream_id, last.revision];
  }
}

/** The schema version this code writes and reads (the last migration's). */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** What a schema holds: its Orchestral version (0 = nothing yet) and whether a foreign `events` table is there. */
interface SchemaState {
  version: number;
  foreignEvents: boolean;
}

async function inspect(client: pg.ClientBase, schema: string): Promise<SchemaState> {
  // pg_class is read with the statement's MVCC snapshot, not through to_regclass's caches: after
  // waiting for the advisory lock, those may still hold a negative entry from before another
  // process created the tables (advisory locks do not process catalog invalidations).
  const found = await client.query<{ meta: boolean; events: boolean }>({
    text: `SELECT bool_or(c.relname = 'orchestral_meta') AS meta, bool_or(c.relname = 'events') AS events
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname IN ('orchestral_meta', 'events')`,
    values: [schema],
  });
  const row = found.rows[0];
  if (row?.meta !== true) return { version: 0, foreignEvents: row?.events === true };
  const version = await client.query<{ schema_version: number }>({
    text: `SELECT schema_version FROM ${quoteIdent(schema)}.orchestral_meta`,
    types: STORE_TYPES,
  });
  return { version: version.rows[0]?.schema_version ?? 0, foreignEvents: false };
}

/** Throws the StoreOpenError a state calls for (foreign table, newer version), naming `location`. */
function refuse(location: string, schema: string, state: SchemaState): void {
  if (state.foreignEvents) {
    throw new StoreOpenError(
      location,
      'not_orchestral',
      `schema '${schema}' already has an 'events' table but no orchestral_meta: it is not an Orchestral store (nothing was modified)`,
    );
  }
  if (state.version > SCHEMA_VERSION) {
    throw new StoreOpenError(
      location,
      'newer_schema',
      `schema '${schema}' is at Orchestral schema version ${state.version}, newer than version ${SCHEMA_VERSION} this code knows: upgrade Orchestral (nothing was modified)`,
    );
  }
}

/**
 * Brings `schema` up to SCHEMA_VERSION on `client` (creating the schema and tables if missing).
 * A store already at the current version costs one query and takes no lock.
 * @param location the redacted URL, for errors.
 * @param create false: a schema without a store is StoreOpenError `not_found` (nothing created).
 * @returns the version found before migrating (0 for a new store).
 * @throws StoreOpenError `not_orchestral` (a foreign `events` table) or `newer_schema`; nothing
 *   is written then. Driver errors (privileges, connection) are thrown as they are.
 */
export async function migrate(client: pg.ClientBase, schema: string, location: string, create = true): Promise<number> {
  const seen = await inspect(client, schema);
  refuse(location, schema, seen);
  if (!create && seen.version === 0) throw new StoreOpenError(location, 'not_found', `no such store: schema '${schema}' holds no Orchestral store (nothing was created)`);
  if (seen.version === SCHEMA_VERSION) return seen.version;
  const s = quoteIdent(schema);
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  try {
    await client.query({ text: LOCK_SQL, values: [schema] });
    const state = await inspect(client, schema); // another process may have migrated meanwhile
    refuse(location, schema, state);
    if (state.version < SCHEMA_VERSION) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.orchestral_meta (
        singleton      boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
        schema_version integer     NOT NULL,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
      for (const step of MIGRATIONS) {
        if (step.version <= state.version) continue;
        await client.query(step.sql(s));
        await step.after?.(client, s);
      }
      await client.query({
        text: `INSERT INTO ${s}.orchestral_meta (singleton, schema_version) VALUES (true, $1)
               ON CONFLICT (singleton) DO UPDATE SET schema_version = excluded.schema_version, updated_at = now()`,
        values: [SCHEMA_VERSION],
      });
    }
    await client.query('COMMIT');
    return state.version;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
