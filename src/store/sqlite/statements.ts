/**
 * The prepared statements of the SQLite adapter, compiled once per connection. Event selects run
 * in raw (array) mode and return `EventRow`s: position and revision come back as JS numbers when
 * every one of the page fits in 2^53 (the usual case: converting doubles is cheaper than
 * better-sqlite3's per-value bigints), otherwise the page is fetched again with 64-bit integers as
 * bigint, so no value ever loses precision. Other selects read 64-bit integers as bigint.
 */
import type Database from 'better-sqlite3';
import type { StoredIdLocation } from '../expected-revision.ts';

/** Columns of every event select, in the order of `EventRow`. */
const COLUMNS = 'position, stream_id, revision, id, type, data, metadata, recorded_at';

/**
 * A row of an event select: `[position, streamId, revision, id, type, dataJson, metadataJson,
 * recordedAt (ISO-8601 UTC)]`. Position and revision are exact: numbers only when ≤ 2^53 - 1.
 */
export type EventRow = [
  position: number | bigint,
  streamId: string,
  revision: number | bigint,
  id: string,
  type: string,
  dataJson: string,
  metadataJson: string,
  recordedAt: string,
];

/** True when every position and revision of `rows` read as numbers is exact (≤ 2^53 - 1). */
function allSafe(rows: readonly EventRow[]): boolean {
  for (const r of rows) if ((r[0] as number) > Number.MAX_SAFE_INTEGER || (r[2] as number) > Number.MAX_SAFE_INTEGER) return false;
  return true;
}

/**
 * An event select: runs `sql` with integers as numbers, and again with bigints when a position or
 * revision of the result does not fit in a double exactly (an int64 ≥ 2^53 always reads as a double
 * > MAX_SAFE_INTEGER, so the check cannot miss one).
 */
function eventSelect(db: Database.Database, sql: string): (...params: unknown[]) => EventRow[] {
  const asNumbers = db.prepare(sql).raw(true).safeIntegers(false);
  const asBigints = db.prepare(sql).raw(true).safeIntegers(true);
  return (...params) => {
    const rows = asNumbers.all(...params) as EventRow[];
    return allSafe(rows) ? rows : (asBigints.all(...params) as EventRow[]);
  };
}

/** The compiled statements of one connection. */
export interface Statements {
  /** Last revision of a stream, or undefined. */
  lastRevision(streamId: string): bigint | undefined;
  /** Where an event id is stored, or undefined. */
  locateId(id: string): StoredIdLocation | undefined;
  /** Highest position in the log, or undefined when empty. */
  lastPosition(): bigint | undefined;
  /** Inserts one event; returns its position. */
  insert(streamId: string, revision: bigint, id: string, type: string, data: string, metadata: string, recordedAt: string): bigint;
  /** Events of a stream with `from <= revision <= to`, ascending, at most `limit`. */
  streamForwards(streamId: string, from: bigint, to: bigint, limit: number): EventRow[];
  /** Events of a stream with `to <= revision <= from`, descending, at most `limit`. */
  streamBackwards(streamId: string, from: bigint, to: bigint, limit: number): EventRow[];
  /** Events with `after < position <= upTo`, ascending, at most `limit`. */
  allAfter(after: bigint, upTo: bigint, limit: number): EventRow[];
  /** `PRAGMA data_version`: changes when another connection commits. */
  dataVersion(): number;
}

/** Compiles the statements on `db` (which must already have the current schema). */
export function prepareStatements(db: Database.Database): Statements {
  const lastRevision = db.prepare('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1').pluck().safeIntegers(true);
  const locateId = db.prepare('SELECT stream_id, revision, position FROM events WHERE id = ?').raw(true).safeIntegers(true);
  const lastPosition = db.prepare('SELECT max(position) FROM events').pluck().safeIntegers(true);
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).safeIntegers(true);
  const forwards = eventSelect(db, `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? AND revision <= ? ORDER BY revision ASC LIMIT ?`);
  const backwards = eventSelect(db, `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? AND revision >= ? ORDER BY revision DESC LIMIT ?`);
  const allAfter = eventSelect(db, `SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position ASC LIMIT ?`);
  const dataVersion = db.prepare('PRAGMA data_version').pluck();

  return {
    lastRevision: (streamId) => lastRevision.get(streamId) as bigint | undefined,
    locateId(id) {
      const row = locateId.get(id) as [string, bigint, bigint] | undefined;
      return row === undefined ? undefined : { streamId: row[0], revision: row[1], position: row[2] };
    },
    lastPosition: () => (lastPosition.get() as bigint | null) ?? undefined,
    insert: (streamId, revision, id, type, data, metadata, recordedAt) =>
      insert.run(streamId, revision, id, type, data, metadata, recordedAt).lastInsertRowid as bigint,
    streamForwards: (streamId, from, to, limit) => forwards(streamId, from, to, limit),
    streamBackwards: (streamId, from, to, limit) => backwards(streamId, from, to, limit),
    allAfter: (after, upTo, limit) => allAfter(after, upTo, limit),
    dataVersion: () => Number(dataVersion.get()),
  };
}
