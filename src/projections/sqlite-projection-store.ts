/**
 * SQLite ProjectionStore: its own better-sqlite3 connection to a SQLite file — normally the
 * embedded event store's file, so projections live beside the log — and its own table:
 *
 *   projection_state(name TEXT PRIMARY KEY, version INTEGER, position INTEGER, state TEXT)
 *
 * A save is ONE `INSERT … ON CONFLICT(name) DO UPDATE` statement, hence atomic: the state and its
 * checkpoint position are always read back together. The connection uses WAL (as the event store
 * does) and waits `busyTimeoutMs` for the other connection's write lock.
 *
 * The file: an Orchestral file (PRAGMA application_id = ORCHESTRAL_APPLICATION_ID) is used as is;
 * a missing or empty file, or one holding only `projection_state`, is marked as Orchestral's
 * (`claimSqliteFile`) in the transaction that creates the table, so the event store adopts it later
 * and the stores sharing one file may be opened in any order. Anything else (another application's
 * database) is refused untouched.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { claimSqliteFile, classifyDatabase } from '../store/sqlite/schema.ts';
import { ProjectionStoreError } from './projection-errors.ts';
import type { ProjectionStore } from './projection-store.ts';
import { fromRow, toRow, type ProjectionRow } from './projection-row.ts';

/** Options of `openSqliteProjectionStore`. */
export interface SqliteProjectionStoreOptions {
  /** The SQLite file (created with its directory when missing). */
  path: string;
  /** How long (ms) to wait for another connection's lock. Default 5000. */
  busyTimeoutMs?: number;
  /** Open the existing file read-only: nothing is created; `save` and `delete` fail; no table reads as no rows. Default false. */
  readOnly?: boolean;
}

/** The projection store's table. */
export const PROJECTION_STATE_TABLE = 'projection_state';

/**
 * Opens the projection store on `options.path` and creates `projection_state` if missing (unless `readOnly`).
 * @throws ProjectionStoreError the file is another application's database, or cannot be opened
 *   (not SQLite, corrupt, locked, read-only); `cause` holds the SQLite error.
 */
export function openSqliteProjectionStore(options: SqliteProjectionStoreOptions): ProjectionStore {
  const file = resolve(options.path);
  const readOnly = options.readOnly ?? false;
  let db: Database.Database | undefined;
  try {
    if (!readOnly) mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000, ...(readOnly ? { readonly: true, fileMustExist: true } : {}) });
    const opened = db;
    if (readOnly) {
      const kind = classifyDatabase(opened, new Set([PROJECTION_STATE_TABLE]));
      if (kind.kind === 'foreign') throw new ProjectionStoreError(file, '*', `not an Orchestral file: ${kind.detail}`);
    } else {
    // checked and created in one write transaction: a foreign file is left untouched
    opened.transaction(() => {
      const kind = claimSqliteFile(opened, new Set([PROJECTION_STATE_TABLE]));
      if (kind.kind === 'foreign') throw new ProjectionStoreError(file, '*', `not an Orchestral file: ${kind.detail}`);
      opened.exec(`CREATE TABLE IF NOT EXISTS projection_state (
        name     TEXT    PRIMARY KEY,
        version  INTEGER NOT NULL,
        position INTEGER NOT NULL,
        state    TEXT    NOT NULL
      )`);
    }).immediate();
    opened.pragma('journal_mode = WAL');
    }
  } catch (err) {
    db?.close();
    if (err instanceof ProjectionStoreError) throw err;
    throw new ProjectionStoreError(file, '*', `cannot open: ${(err as Error).message}`, { cause: err });
  }
  const conn = db;
  const hasTable = readOnly ? conn.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'projection_state'`).get() !== undefined : true;
  const select = hasTable ? conn.prepare('SELECT name, version, position, state FROM projection_state WHERE name = ?').safeIntegers(true) : undefined;
  const upsert = readOnly
    ? undefined
    : conn.prepare(
        `INSERT INTO projection_state (name, version, position, state) VALUES (?, ?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET version = excluded.version, position = excluded.position, state = excluded.state`,
      );
  const remove = readOnly ? undefined : conn.prepare('DELETE FROM projection_state WHERE name = ?');
  const writable = <T>(statement: T | undefined, name: string): T => {
    if (statement === undefined) throw new ProjectionStoreError(file, name, 'the projection store is open read-only');
    return statement;
  };
  let closed = false;
  const run = <T>(name: string, what: string, fn: () => T): T => {
    if (closed) throw new ProjectionStoreError(file, name, 'the projection store is closed');
    try {
      return fn();
    } catch (err) {
      if (err instanceof ProjectionStoreError) throw err;
      throw new ProjectionStoreError(file, name, `${what} failed: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    location: file,
    async load(name) {
      const raw = run(name, 'load', () => select?.get(name) as { name: string; version: bigint; position: bigint; state: string } | undefined);
      if (!raw) return undefined;
      const row: ProjectionRow = { name: raw.name, version: Number(raw.version), position: raw.position, stateJson: raw.state };
      return fromRow(file, row);
    },
    async save(record) {
      const row = toRow(file, record);
      run(row.name, 'save', () => writable(upsert, row.name).run(row.name, row.version, row.position, row.stateJson));
    },
    async delete(name) {
      run(name, 'delete', () => writable(remove, name).run(name));
    },
    async close() {
      if (closed) return;
      closed = true;
      conn.close();
    },
  };
}
