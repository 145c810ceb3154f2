/**
 * The data behind an in-memory event store: stored rows (JSON text, never shared objects) indexed by
 * position, by stream and by event id, plus a commit notification. Several store instances may share
 * one log (e.g. one writing with `rawCodec`, another reading with the fact codec), which is how the
 * contract suite "reopens" an in-memory store.
 */
import type { Observable } from 'rxjs';
import { Subject } from '../../core/rxjs.ts';
import type { StoredRow } from '../codec.ts';
import type { StoredIdLocation } from '../expected-revision.ts';

/** Shared in-memory storage. Treat as opaque outside `src/store/in-memory/`. */
export interface InMemoryLog {
  /** Every row in position order; `rows[i].position === BigInt(i)`. */
  readonly rows: StoredRow[];
  /** Rows of each stream in revision order; `streams.get(s)[r].revision === BigInt(r)`. */
  readonly streams: Map<string, StoredRow[]>;
  /** Where each event id is stored. */
  readonly ids: Map<string, StoredIdLocation>;
  /** Emits after every commit (any store instance on this log). */
  readonly commits: Subject<void>;
}

/** Creates an empty log. Pass it as `options.log` to several `getInMemoryEventStore` calls to share data. */
export function createInMemoryLog(): InMemoryLog {
  return { rows: [], streams: new Map(), ids: new Map(), commits: new Subject<void>() };
}

/** The stream's last revision, or `undefined` when it has no event. */
export function lastRevision(log: InMemoryLog, streamId: string): bigint | undefined {
  const rows = log.streams.get(streamId);
  return rows === undefined || rows.length === 0 ? undefined : BigInt(rows.length - 1);
}

/**
 * The last revision of every stream with a row past position `after`, and the last position
 * (`after` when there is none): the stream head hub's scan, over the new rows only.
 */
export function headsSince(log: InMemoryLog, after: bigint): { position: bigint; heads: Array<[string, bigint]> } {
  const last = new Map<string, bigint>();
  const rows = log.rows;
  for (let p = Number(after) + 1; p < rows.length; p++) {
    const row = rows[p]!;
    last.set(row.streamId, row.revision);
  }
  const end = BigInt(rows.length - 1);
  return { position: end > after ? end : after, heads: [...last] };
}

/** Row fields a commit supplies; stream, revision and position are assigned by `commitRows`. */
export type NewRow = Omit<StoredRow, 'streamId' | 'revision' | 'position'>;

/**
 * Appends rows to one stream atomically (synchronous, so no other append interleaves), assigns
 * revisions and positions, indexes their ids, then notifies `commits`.
 * @returns the last row written. `rows` must be non-empty and already checked (revision, ids).
 */
export function commitRows(log: InMemoryLog, streamId: string, rows: readonly NewRow[]): StoredRow {
  let stream = log.streams.get(streamId);
  if (stream === undefined) {
    stream = [];
    log.streams.set(streamId, stream);
  }
  let last: StoredRow | undefined;
  for (const row of rows) {
    last = { ...row, streamId, revision: BigInt(stream.length), position: BigInt(log.rows.length) };
    stream.push(last);
    log.rows.push(last);
    log.ids.set(last.id, { streamId, revision: last.revision, position: last.position });
  }
  if (last === undefined) throw new RangeError(`commitRows: empty batch for stream '${streamId}'`);
  log.commits.next();
  return last;
}

/** Rows with position strictly greater than `after`, at most `limit`. */
export function rowsAfterPosition(log: InMemoryLog, after: bigint, limit: number): StoredRow[] {
  const start = Number(after < -1n ? -1n : after) + 1;
  return log.rows.slice(start, start + limit);
}

/** Rows of `streamId` with revision strictly greater than `after`, at most `limit`. */
export function streamRowsAfter(log: InMemoryLog, streamId: string, after: bigint, limit: number): StoredRow[] {
  const rows = log.streams.get(streamId) ?? [];
  const start = Number(after < -1n ? -1n : after) + 1;
  return rows.slice(start, start + limit);
}

/** The log's commit notifications as an Observable. */
export function commitSignals(log: InMemoryLog): Observable<void> {
  return log.commits.asObservable();
}
