/**
 * SQLite leases: table `thread_leases` in the store's own file (created on the first `acquire`,
 * through a connection of this module; the event store's tables are not touched). One row per
 * owned thread: holder id, pid, boot id, host, acquired and expiry times. A lease is taken inside
 * `BEGIN IMMEDIATE`, so two processes never both get it; it is free when the row is missing,
 * expired, or its holder is a process of this machine that no longer exists (same boot id, pid
 * gone), which lets `resume` after a kill take over at once instead of waiting for the expiry.
 */
import Database from 'better-sqlite3';
import { translateWriteError } from '../store/sqlite/write-errors.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { processIdentity } from './identity.ts';
import { isLiveHolder, leaseHolder, type AcquireResult, type HolderIdentity, type LeaseHolder, type LeaseRecord, type LeaseStore } from './lease.ts';

/** Options of `getSqliteLeaseStore`. */
export interface SqliteLeaseOptions {
  /** The store's SQLite file (must exist: open the event store first). */
  path: string;
  clock?: Clock;
  /** How long (ms) to wait for another connection's write lock. Default 5000. */
  busyTimeoutMs?: number;
  /** Open the file read-only (`holderOf` and `list` only; `acquire` fails). Default false. */
  readOnly?: boolean;
}

interface Row {
  thread_id: string;
  holder_id: string;
  pid: number;
  boot_id: string;
  host: string;
  acquired_at_ms: number;
  expires_at_ms: number;
}

const toHolder = (r: Row): LeaseHolder => ({
  id: r.holder_id,
  pid: r.pid,
  bootId: r.boot_id,
  host: r.host,
  acquiredAtMs: r.acquired_at_ms,
  expiresAtMs: r.expires_at_ms,
});

const CREATE = `CREATE TABLE IF NOT EXISTS thread_leases (
  thread_id      TEXT    PRIMARY KEY,
  holder_id      TEXT    NOT NULL,
  pid            INTEGER NOT NULL,
  boot_id        TEXT    NOT NULL,
  host           TEXT    NOT NULL,
  acquired_at_ms INTEGER NOT NULL,
  expires_at_ms  INTEGER NOT NULL
)`;

/**
 * A lease store in the SQLite file at `path` (see the module doc).
 * @throws the driver's error when the file cannot be opened.
 */
export function getSqliteLeaseStore(options: SqliteLeaseOptions): LeaseStore {
  const clock = options.clock ?? systemClock;
  const self = processIdentity();
  const db = new Database(options.path, { fileMustExist: true, readonly: options.readOnly ?? false, timeout: options.busyTimeoutMs ?? 5000 });
  // A lease need not survive a power loss (its holder would not either): no fsync per lease write.
  if (!options.readOnly) db.pragma('synchronous = NORMAL');
  const held = new Map<string, string>(); // thread id → holder id, leases taken through this instance
  let created = false;
  let closed = false;

  const hasTable = (): boolean =>
    created || (created = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'thread_leases'`).get() !== undefined);
  const ensureTable = (): void => {
    if (!hasTable()) {
      db.exec(CREATE);
      created = true;
    }
  };
  const rowOf = (threadId: string): Row | undefined => db.prepare('SELECT * FROM thread_leases WHERE thread_id = ?').get(threadId) as Row | undefined;
  const assertOpen = (): void => {
    if (closed) throw new Error(`lease store ${options.path} is closed`);
  };

  /** Runs a write, turning SQLite's errors into the store's (`StoreWriteError` disk_full / io / read_only naming the file). */
  const writing = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw translateWriteError(err, options.path);
    }
  };

  const acquireTx = db.transaction((threadId: string, who: HolderIdentity, ttlMs: number): AcquireResult => {
    const now = clock.now();
    const row = rowOf(threadId);
    const current = row ? toHolder(row) : undefined;
    if (current && current.id !== who.id && isLiveHolder(current, now, self)) return { acquired: false, holder: current };
    const acquiredAtMs = current && current.id === who.id && isLiveHolder(current, now, self) ? current.acquiredAtMs : now;
    const holder = leaseHolder(who, acquiredAtMs, now + ttlMs);
    db.prepare(
      `INSERT INTO thread_leases (thread_id, holder_id, pid, boot_id, host, acquired_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (thread_id) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid, boot_id = excluded.boot_id,
         host = excluded.host, acquired_at_ms = excluded.acquired_at_ms, expires_at_ms = excluded.expires_at_ms`,
    ).run(threadId, holder.id, holder.pid, holder.bootId, holder.host, holder.acquiredAtMs, holder.expiresAtMs);
    return { acquired: true, holder };
  });

  const renewTx = db.transaction((threadId: string, holderId: string, ttlMs: number): LeaseHolder | undefined => {
    const now = clock.now();
    const row = rowOf(threadId);
    if (!row || row.holder_id !== holderId || !isLiveHolder(toHolder(row), now, self)) return undefined;
    db.prepare('UPDATE thread_leases SET expires_at_ms = ? WHERE thread_id = ? AND holder_id = ?').run(now + ttlMs, threadId, holderId);
    return { ...toHolder(row), expiresAtMs: now + ttlMs };
  });

  const liveRows = (rows: Row[]): LeaseRecord[] => {
    const now = clock.now();
    return rows.map((r) => ({ threadId: r.thread_id, holder: toHolder(r) })).filter((r) => isLiveHolder(r.holder, now, self));
  };

  return {
    async acquire(threadId, who, ttlMs) {
      assertOpen();
      ensureTable();
      const result = writing(() => acquireTx.immediate(threadId, who, ttlMs));
      if (result.acquired) held.set(threadId, who.id);
      return result;
    },
    async renew(threadId, holderId, ttlMs) {
      assertOpen();
      if (!hasTable()) return undefined;
      const renewed = writing(() => renewTx.immediate(threadId, holderId, ttlMs));
      if (!renewed) held.delete(threadId);
      return renewed;
    },
    async release(threadId, holderId) {
      assertOpen();
      held.delete(threadId);
      if (!hasTable()) return;
      writing(() => db.prepare('DELETE FROM thread_leases WHERE thread_id = ? AND holder_id = ?').run(threadId, holderId));
    },
    async holderOf(threadId) {
      assertOpen();
      if (!hasTable()) return undefined;
      const row = rowOf(threadId);
      return row ? liveRows([row])[0]?.holder : undefined;
    },
    async list() {
      assertOpen();
      if (!hasTable()) return [];
      return liveRows(db.prepare('SELECT * FROM thread_leases ORDER BY thread_id').all() as Row[]);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (held.size > 0 && hasTable()) {
          const del = db.prepare('DELETE FROM thread_leases WHERE thread_id = ? AND holder_id = ?');
          db.transaction(() => held.forEach((holderId, threadId) => del.run(threadId, holderId))).immediate();
        }
      } catch {
        // cannot write (disk full, locked): the rows expire, and this pid is gone once the process ends
      } finally {
        held.clear();
        db.close();
      }
    },
  };
}
