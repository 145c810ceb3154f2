/**
 * The schema of an Orchestral SQLite file and its migrations.
 *
 * A file is marked as Orchestral's by `PRAGMA application_id = ORCHESTRAL_APPLICATION_ID` (the
 * 4-byte magic of the SQLite header, offset 68, meant for exactly this — see
 * https://www.sqlite.org/fileformat.html#application_id) and carries its schema version in
 * `PRAGMA user_version` (header offset 60). Both are written in the same transaction as the
 * tables, so a file is either untouched or fully initialised.
 *
 * Other components may keep their own tables in the same file (a projection store, a snapshot
 * cache); the event store does not know them. A component that creates its table in a fresh file
 * marks the file first (`claimSqliteFile`), leaving `user_version` at 0: the event store then sees
 * an Orchestral file of version 0 and runs every migration on it. The migrations here only ever
 * create or alter the event store's own objects and never drop or refuse tables they do not know
 * in a file already marked as Orchestral's.
 */
import type Database from 'better-sqlite3';
import { eventChecksum } from '../integrity.ts';

/** `PRAGMA application_id` of every Orchestral file: ASCII "ORCH" as a big-endian int32. */
export const ORCHESTRAL_APPLICATION_ID = 0x4f524348;

/** One schema step: applied once, in a write transaction, when the file's version is below `version`. */
export interface Migration {
  /** The `user_version` after this step (1, 2, …; contiguous). */
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/**
 * Every migration, oldest first. Never edit a released step: add a new one.
 *
 * v1 — the log. `position` is the rowid (INTEGER PRIMARY KEY): rows are never deleted, so SQLite's
 * max(rowid)+1 allocation makes positions strictly increasing in commit order (one writer at a
 * time). `UNIQUE(stream_id, revision)` is also the index that makes "last revision of a stream" a
 * single b-tree descent; `id UNIQUE` backs idempotent retries and duplicate-id detection.
 *
 * v2 — `checksum`: each event's chained checksum (`integrity.ts`), verified by every read.
 * Events stored before are given theirs by the migration (`sealExistingEvents`).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'events table',
    up(db) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS events (
          position    INTEGER PRIMARY KEY,
          stream_id   TEXT    NOT NULL,
          revision    INTEGER NOT NULL CHECK (revision >= 0),
          id          TEXT    NOT NULL UNIQUE,
          type        TEXT    NOT NULL,
          data        TEXT    NOT NULL,
          metadata    TEXT    NOT NULL,
          recorded_at TEXT    NOT NULL,
          UNIQUE (stream_id, revision)
        );
      `);
    },
  },
  {
    version: 2,
    description: 'per-event chained checksum',
    up(db) {
      db.exec('ALTER TABLE events ADD COLUMN checksum TEXT');
      sealExistingEvents(db);
    },
  },
];

/**
 * Computes the chained checksum (see `integrity.ts`) of every event stored before checksums
 * existed, stream by stream in revision order. It vouches for the events as they are at migration
 * time: damage done before cannot be told apart from what was written (except by decoding).
 */
function sealExistingEvents(db: Database.Database): void {
  const rows = db
    .prepare('SELECT position, stream_id, revision, id, type, data, metadata, recorded_at FROM events ORDER BY stream_id, revision')
    .raw(true)
    .safeIntegers(true);
  const update = db.prepare('UPDATE events SET checksum = ? WHERE position = ?');
  const sums: Array<[string, bigint]> = [];
  let stream: string | undefined;
  let prev: string | undefined;
  for (const r of rows.iterate() as IterableIterator<[bigint, string, bigint, string, string, string, string, string]>) {
    const [position, streamId, revision, id, type, dataJson, metadataJson, recordedAt] = r;
    if (streamId !== stream) [stream, prev] = [streamId, undefined];
    prev = eventChecksum(prev, { streamId, revision, id, type, dataJson: String(dataJson), metadataJson: String(metadataJson), recordedAt });
    sums.push([prev, position]);
  }
  for (const [sum, position] of sums) update.run(sum, position);
}

/** The schema version this code writes and reads (the last migration's). */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** What the header and catalogue of an existing file say about it. */
export type FileKind =
  | { kind: 'empty' }
  | { kind: 'orchestral'; version: number }
  | { kind: 'foreign'; detail: string };

/**
 * Classifies an open database by its application id, user version and tables. Reads only.
 * - `empty`: no application id, no version, and no table or view — a fresh file this store may
 *   initialise (a table listed in `own` does not count: see `claimSqliteFile`).
 * - `orchestral`: our magic; `version` is its schema version (may be newer than SCHEMA_VERSION;
 *   0 when only other Orchestral components wrote to the file so far).
 * - `foreign`: anything else (another application's database); never written to.
 * @throws SqliteError from better-sqlite3 when the file cannot be read (corrupt, locked, …).
 */
export function classifyDatabase(db: Database.Database, own: ReadonlySet<string> = NO_TABLES): FileKind {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (appId === ORCHESTRAL_APPLICATION_ID) return { kind: 'orchestral', version };
  const objects = db
    .prepare(`SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`)
    .all() as Array<{ name: string; type: string }>;
  const others = objects.filter((o) => o.type !== 'table' || !own.has(o.name));
  if (appId === 0 && version === 0 && others.length === 0) return { kind: 'empty' };
  const tables = objects.map((o) => o.name);
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '');
  return {
    kind: 'foreign',
    detail:
      appId !== 0
        ? `its application_id is ${appId}, not Orchestral's ${ORCHESTRAL_APPLICATION_ID}`
        : `it is a SQLite database without Orchestral's application_id (tables: ${shown || 'none'}, user_version ${version})`,
  };
}

/**
 * Brings a database this store may own up to SCHEMA_VERSION, in one IMMEDIATE transaction that
 * re-classifies the file first (another process may have initialised it meanwhile).
 * @returns the classification seen inside the transaction (the caller turns `foreign` or a newer
 *   version into a StoreOpenError); nothing is written in those cases.
 * @throws SqliteError (busy, read-only, corrupt) from better-sqlite3.
 */
export function migrate(db: Database.Database): FileKind {
  return db.transaction((): FileKind => {
    const found = classifyDatabase(db);
    if (found.kind === 'foreign') return found;
    const from = found.kind === 'empty' ? 0 : found.version;
    if (from > SCHEMA_VERSION) return found;
    for (const step of MIGRATIONS) if (step.version > from) step.up(db);
    if (found.kind === 'empty') db.pragma(`application_id = ${ORCHESTRAL_APPLICATION_ID}`);
    if (from < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return { kind: 'orchestral', version: SCHEMA_VERSION };
  }).immediate();
}

const NO_TABLES: ReadonlySet<string> = new Set();

/**
 * For a component that keeps its own tables (`tables`) in an Orchestral SQLite file: marks a fresh
 * file as Orchestral's (application id; `user_version` stays 0) so the event store adopts it later.
 * Call it in the write transaction that creates the component's tables. A file already marked is
 * left as it is; a file holding nothing but `tables` (unmarked, version 0) is marked.
 * @returns `foreign` (with what the file is) when it belongs to another application: nothing is
 *   written; otherwise `orchestral`.
 * @throws SqliteError from better-sqlite3 (busy, read-only, corrupt).
 */
export function claimSqliteFile(db: Database.Database, tables: ReadonlySet<string>): FileKind {
  const found = classifyDatabase(db, tables);
  if (found.kind !== 'empty') return found;
  db.pragma(`application_id = ${ORCHESTRAL_APPLICATION_ID}`);
  return { kind: 'orchestral', version: 0 };
}
