/**
 * The prepared statements of the SQLite adapter, compiled once per connection, and the mapping of
 * their rows to `StoredRow`. Selects run in raw (array) mode with 64-bit integers as bigint.
 */
import type Database from 'better-sqlite3';
import type { StoredRow } from '../codec.ts';
import type { StoredIdLocation } from '../expected-revision.ts';

/** Columns of every event select, in the order `toStoredRow` reads them. */
const COLUMNS = 'position, stream_id, revision, id, type, data, metadata, recorded_at';

/** A raw row of an event select. */
type RawRow = [bigint, string, bigint, string, string, string, string, string];

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
  streamForwards(streamId: string, from: bigint, to: bigint, limit: number): StoredRow[];
  /** Events of a stream with `to <= revision <= from`, descending, at most `limit`. */
  streamBackwards(streamId: string, from: bigint, to: bigint, limit: number): StoredRow[];
  /** Events with `after < position <= upTo`, ascending, at most `limit`. */
  allAfter(after: bigint, upTo: bigint, limit: number): StoredRow[];
  /** `PRAGMA data_version`: changes when another connection commits. */
  dataVersion(): number;
}

/** Turns a raw select row into a StoredRow. */
function toStoredRow(r: RawRow): StoredRow {
  return {
    position: r[0],
    streamId: r[1],
    revision: r[2],
    id: r[3],
    type: r[4],
    dataJson: r[5],
    metadataJson: r[6],
    recordedAt: r[7],
  };
}

/** Compiles the statements on `db` (which must already have the current schema). */
export function prepareStatements(db: Database.Database): Statements {
  const lastRevision = db.prepare('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1').pluck().safeIntegers(true);
  const locateId = db.prepare('SELECT stream_id, revision, position FROM events WHERE id = ?').raw(true).safeIntegers(true);
  const lastPosition = db.prepare('SELECT max(position) FROM events').pluck().safeIntegers(true);
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).safeIntegers(true);
  const forwards = db
    .prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? AND revision <= ? ORDER BY revision ASC LIMIT ?`)
    .raw(true)
    .safeIntegers(true);
  const backwards = db
    .prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? AND revision >= ? ORDER BY revision DESC LIMIT ?`)
    .raw(true)
    .safeIntegers(true);
  const allAfter = db
    .prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position ASC LIMIT ?`)
    .raw(true)
    .safeIntegers(true);
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
    streamForwards: (streamId, from, to, limit) => (forwards.all(streamId, from, to, limit) as RawRow[]).map(toStoredRow),
    streamBackwards: (streamId, from, to, limit) => (backwards.all(streamId, from, to, limit) as RawRow[]).map(toStoredRow),
    allAfter: (after, upTo, limit) => (allAfter.all(after, upTo, limit) as RawRow[]).map(toStoredRow),
    dataVersion: () => Number(dataVersion.get()),
  };
}
