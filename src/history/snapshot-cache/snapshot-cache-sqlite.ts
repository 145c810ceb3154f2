/**
 * SQLite SnapshotCache (better-sqlite3): table `snapshot_cache` in the given database file, which may
 * be the event store's own file (its tables are not touched). A fresh file is marked as Orchestral's
 * when the table is created (`claimSqliteFile`), so the event store adopts it later. One row per (thread, revision, machine
 * hash); the state is an entry text of `encodeThreadState` (snapshot-cache-format.ts), read back as its
 * UTF-8 bytes (a Buffer: no JS string of the whole entry is made, only of the parts decoded). Rows of
 * another format (written before format 5), truncated or failing their checksum are skipped on load:
 * a cache miss, or an older usable row.
 */
import Database from 'better-sqlite3';
import { claimSqliteFile } from '../../store/sqlite/schema.ts';
import { defaultMachines, type FoldOptions } from '../fold/thread-state.ts';
import { decodeThreadState, encodeThreadState } from './snapshot-cache-format.ts';
import { machineDefinitionHash } from './snapshot-cache-machines.ts';
import type { SnapshotCache } from './snapshot-cache.ts';

/** The snapshot cache's table. */
export const SNAPSHOT_CACHE_TABLE = 'snapshot_cache';

/** Options of `openSqliteSnapshotCache`. */
export interface SqliteSnapshotCacheOptions {
  /** Keep at most this many entries per thread (oldest revisions dropped on save). Default 4. */
  keepPerThread?: number;
}

/**
 * Opens (creating if needed) the `snapshot_cache` table in SQLite file `file` (`:memory:` allowed).
 * @throws the driver's error when the file cannot be opened or written.
 */
export function openSqliteSnapshotCache(file: string, options: SqliteSnapshotCacheOptions = {}): SnapshotCache {
  const keep = options.keepPerThread ?? 4;
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.transaction(() => {
    claimSqliteFile(db, new Set([SNAPSHOT_CACHE_TABLE]));
    db.exec(`CREATE TABLE IF NOT EXISTS snapshot_cache (
      thread_id TEXT NOT NULL,
      revision INTEGER NOT NULL,
      machine_hash TEXT NOT NULL,
      state TEXT NOT NULL,
      PRIMARY KEY (thread_id, revision, machine_hash)
    )`);
  }).immediate();
  const upsert = db.prepare('INSERT OR REPLACE INTO snapshot_cache (thread_id, revision, machine_hash, state) VALUES (?, ?, ?, ?)');
  const prune = db.prepare(
    `DELETE FROM snapshot_cache WHERE thread_id = ? AND revision NOT IN
       (SELECT revision FROM snapshot_cache WHERE thread_id = ? ORDER BY revision DESC LIMIT ?)`,
  );
  const select = db.prepare(
    'SELECT CAST(state AS BLOB) AS state FROM snapshot_cache WHERE thread_id = ? AND machine_hash = ? AND revision <= ? ORDER BY revision DESC',
  );
  const remove = db.prepare('DELETE FROM snapshot_cache WHERE thread_id = ?');
  const save = db.transaction((threadId: string, revision: bigint, hash: string, json: string) => {
    upsert.run(threadId, revision, hash, json);
    prune.run(threadId, threadId, keep);
  });
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new Error(`snapshot cache ${file} is closed`);
  };
  return {
    async save(state, opts: FoldOptions = {}) {
      assertOpen();
      save(state.threadId, state.revision, machineDefinitionHash(opts.machines ?? defaultMachines), encodeThreadState(state, opts));
    },
    async load(threadId, opts = {}) {
      assertOpen();
      const hash = machineDefinitionHash(opts.machines ?? defaultMachines);
      const max = opts.maxRevision ?? 9_223_372_036_854_775_807n;
      for (const row of select.iterate(threadId, hash, max) as Iterable<{ state: Buffer }>) {
        const state = decodeThreadState(row.state, opts);
        if (state !== undefined) return state;
      }
      return undefined;
    },
    async delete(threadId) {
      assertOpen();
      remove.run(threadId);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
