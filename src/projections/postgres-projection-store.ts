/**
 * PostgreSQL ProjectionStore: projection rows in the event store's own schema (the URL's
 * `?schema=`, default `orchestral`), so projections live beside the log as with SQLite:
 *
 *   <schema>.projection_state(name text PRIMARY KEY, version integer, position bigint, state text)
 *
 * A save is ONE `INSERT … ON CONFLICT (name) DO UPDATE` statement, hence atomic: the state and its
 * checkpoint position are always read back together. The table (and the schema) is created on the
 * first call, under a transaction-scoped advisory lock so concurrent first uses do not race; the
 * event store's migrations never touch it (components keep their own tables in the schema).
 * One small pool (2 connections) of its own; it connects on first use.
 */
import pg from 'pg';
import { checkSchemaName, DEFAULT_SCHEMA, quoteIdent, redactConnectionString, STORE_TYPES, withDefaultUser } from '../store/postgres/connection.ts';
import { ProjectionStoreError } from './projection-errors.ts';
import type { ProjectionStore } from './projection-store.ts';
import { fromRow, toRow } from './projection-row.ts';

/** Options of `openPostgresProjectionStore`. */
export interface PostgresProjectionStoreOptions {
  /** The store's `postgres://…` URL; its `?schema=` names the schema unless `schema` is given. */
  connectionString: string;
  /** Default: the URL's `?schema=`, else `orchestral`. */
  schema?: string;
  /** How long (ms) to wait for a connection. Default 10 000. */
  connectTimeoutMs?: number;
}

/** First key of the advisory lock serialising the table's creation: ASCII "ORPJ" as an int4. */
const DDL_LOCK_CLASS = 0x4f52504a;

/**
 * Creates the projection store (no I/O until the first call).
 * @throws RangeError a bad schema name. Calls throw ProjectionStoreError (server unreachable, no
 *   privilege, unreadable row, closed store), naming the URL without its password and the schema.
 */
export function openPostgresProjectionStore(options: PostgresProjectionStoreOptions): ProjectionStore {
  const schema = checkSchemaName(options.schema ?? new URL(options.connectionString).searchParams.get('schema') ?? DEFAULT_SCHEMA);
  const location = `${redactConnectionString(options.connectionString)}#${schema}`;
  const table = `${quoteIdent(schema)}.projection_state`;
  const url = new URL(withDefaultUser(options.connectionString));
  url.searchParams.delete('schema');
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, allowExitOnIdle: true, application_name: 'orchestral-projections' });
  pool.on('error', () => undefined); // an idle connection that dies is replaced at the next checkout
  let ready: Promise<void> | undefined;
  let closed = false;

  const createTable = (): Promise<void> =>
    (ready ??= (async () => {
      const client = await pool.connect();
      try {
        await client.query(`BEGIN;
          SELECT pg_advisory_xact_lock(${DDL_LOCK_CLASS}, hashtext(${pg.escapeLiteral(schema)}));
          CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};
          CREATE TABLE IF NOT EXISTS ${table} (
            name text PRIMARY KEY, version integer NOT NULL, position bigint NOT NULL, state text NOT NULL);
          COMMIT`);
        client.release();
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(err instanceof Error ? err : true);
        throw err;
      }
    })().catch((err: unknown) => {
      ready = undefined; // the next call tries again (the server may be back)
      throw err;
    }));

  const run = async <T>(name: string, what: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) throw new ProjectionStoreError(location, name, 'the projection store is closed');
    try {
      await createTable();
      return await fn();
    } catch (err) {
      if (err instanceof ProjectionStoreError) throw err;
      throw new ProjectionStoreError(location, name, `${what} failed: ${(err as Error).message}`, { cause: err });
    }
  };

  return {
    location,
    async load(name) {
      const rows = await run(name, 'load', async () => (await pool.query<{ name: string; version: number; position: bigint; state: string }>({ text: `SELECT name, version, position, state FROM ${table} WHERE name = $1`, values: [name], types: STORE_TYPES })).rows);
      const raw = rows[0];
      return raw ? fromRow(location, { name: raw.name, version: raw.version, position: raw.position, stateJson: raw.state }) : undefined;
    },
    async save(record) {
      const row = toRow(location, record);
      await run(row.name, 'save', () =>
        pool.query(
          `INSERT INTO ${table} (name, version, position, state) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, position = EXCLUDED.position, state = EXCLUDED.state`,
          [row.name, row.version, row.position.toString(), row.stateJson],
        ),
      );
    },
    async delete(name) {
      await run(name, 'delete', () => pool.query(`DELETE FROM ${table} WHERE name = $1`, [name]));
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
