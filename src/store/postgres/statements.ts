/**
 * The SQL of the PostgreSQL adapter for one schema, as named (server-side prepared, once per
 * connection) statements, and the mapping of their rows to `StoredRow`. Every query uses
 * `STORE_TYPES`: bigint columns arrive as JS bigint, json columns as their stored text.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { StoredRow } from '../codec.ts';
import type { StoredIdLocation } from '../expected-revision.ts';
import { quoteIdent, STORE_TYPES } from './connection.ts';
import { NOTIFY_CHANNEL } from './schema.ts';

/** Anything that runs a query: the pool (one statement, any connection) or a checked-out client. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A row to insert: a PreparedEvent placed at its stream revision and global position. */
export interface InsertRow {
  position: bigint;
  streamId: string;
  revision: bigint;
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
  /** ISO-8601 UTC. */
  recordedAt: string;
  /** The event's chained checksum (`integrity.ts`). */
  checksum: string;
}

/** Columns of every event select, in the order `toStoredRow` reads them. */
const COLUMNS = 'position, stream_id, revision, id::text AS id, type, data, metadata, recorded_at, checksum';

interface EventRow {
  position: bigint;
  stream_id: string;
  revision: bigint;
  id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: Date;
  checksum: string | null;
}

function toStoredRow(r: EventRow): StoredRow {
  return {
    position: r.position,
    streamId: r.stream_id,
    revision: r.revision,
    id: r.id,
    type: r.type,
    dataJson: r.data,
    metadataJson: r.metadata,
    recordedAt: r.recorded_at.toISOString(),
    checksum: r.checksum,
  };
}

/** The state an append transaction checks against. */
export interface WriteState {
  /** Last revision of each asked stream that has events, with that event's stored checksum. */
  heads: Map<string, { revision: bigint; checksum: string | null }>;
  /** Where each asked id is stored, keyed by the lower-case id (PostgreSQL's uuid spelling). */
  locations: Map<string, StoredIdLocation>;
  /** Highest position in the log, or undefined when it is empty. */
  lastPosition: bigint | undefined;
}

/** The statements of one schema. */
export interface Statements {
  /** Last revision of a stream, or undefined. */
  lastRevision(q: Queryable, streamId: string): Promise<bigint | undefined>;
  /** What an append transaction checks, read with one statement (one snapshot). */
  writeState(q: Queryable, streamIds: readonly string[], ids: readonly string[]): Promise<WriteState>;
  /** Highest position in the log, or undefined when it is empty. */
  lastPosition(q: Queryable): Promise<bigint | undefined>;
  /**
   * The last revision of every stream with an event at a position past `after`, and the highest
   * such position (`after` when there is none): one range scan of the primary key over the new
   * events (the stream head hub's scan).
   */
  headsSince(q: Queryable, after: bigint): Promise<{ position: bigint; heads: Array<[string, bigint]> }>;
  /**
   * Inserts rows with one statement (the caller bounds their number and size); with `notify`, the
   * same statement also runs `pg_notify(NOTIFY_CHANNEL, notify)`.
   */
  insert(q: Queryable, rows: readonly InsertRow[], notify?: string): Promise<void>;
  /** Events of a stream with `from <= revision <= to`, ascending, at most `limit`. */
  streamForwards(q: Queryable, streamId: string, from: bigint, to: bigint, limit: number): Promise<StoredRow[]>;
  /** Events of a stream with `to <= revision <= from`, descending, at most `limit`. */
  streamBackwards(q: Queryable, streamId: string, from: bigint, to: bigint, limit: number): Promise<StoredRow[]>;
  /** Events with `after < position <= upTo`, ascending, at most `limit`. */
  allAfter(q: Queryable, after: bigint, upTo: bigint, limit: number): Promise<StoredRow[]>;
  /** The checksums stored at the given stream revisions (one query): `null` for an event without one; keys absent when no event is there. */
  checksumsAt(q: Queryable, keys: readonly { streamId: string; revision: bigint }[]): Promise<Map<string, string | null>>;
  /** Events ordered by stream then revision, after (`streamId`, `revision`) (exclusive; `undefined`: from the first), at most `limit`. */
  byStream(q: Queryable, after: { streamId: string; revision: bigint } | undefined, limit: number): Promise<StoredRow[]>;
}

/** Key of `Statements.checksumsAt`'s result. */
export const revisionKey = (streamId: string, revision: bigint): string => `${revision}:${streamId}`;

/** A named statement: prepared once per connection; the name is a hash of the text (unique per schema). */
function statement(text: string): (values: unknown[]) => pg.QueryConfig {
  const name = `orch_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  return (values) => ({ name, text, values, types: STORE_TYPES });
}

/** Builds the statements of `schema`. */
export function prepareStatements(schema: string): Statements {
  const events = `${quoteIdent(schema)}.events`;
  const lastRevision = statement(`SELECT revision FROM ${events} WHERE stream_id = $1 ORDER BY revision DESC LIMIT 1`);
  const writeState = statement(
    `SELECT 'p' AS kind, NULL::text AS key, NULL::bigint AS revision, max(position) AS position, NULL::text AS checksum FROM ${events}
     UNION ALL
     SELECT 'r', s.stream_id, h.revision, NULL, h.checksum
       FROM unnest($1::text[]) AS s(stream_id)
       CROSS JOIN LATERAL (SELECT e.revision, e.checksum FROM ${events} e WHERE e.stream_id = s.stream_id ORDER BY e.revision DESC LIMIT 1) h
     UNION ALL
     SELECT 'i', id::text || ' ' || stream_id, revision, position, NULL FROM ${events} WHERE id = ANY($2::uuid[])`,
  );
  const lastPosition = statement(`SELECT max(position) AS position FROM ${events}`);
  const headsSince = statement(`SELECT stream_id, max(revision) AS revision, max(position) AS position FROM ${events} WHERE position > $1 GROUP BY stream_id`);
  const insertSql = `INSERT INTO ${events} (position, stream_id, revision, id, type, data, metadata, recorded_at, checksum)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::json[], $7::json[], $8::timestamptz[], $9::text[])`;
  const insert = statement(insertSql);
  const insertAndNotify = statement(`WITH inserted AS (${insertSql}) SELECT pg_notify('${NOTIFY_CHANNEL}', $10)`);
  const checksumsAt = statement(
    `SELECT k.stream_id, k.revision, e.checksum FROM unnest($1::text[], $2::bigint[]) AS k(stream_id, revision)
       JOIN ${events} e ON e.stream_id = k.stream_id AND e.revision = k.revision`,
  );
  const byStreamFirst = statement(`SELECT ${COLUMNS} FROM ${events} ORDER BY stream_id, revision LIMIT $1`);
  const byStreamAfter = statement(`SELECT ${COLUMNS} FROM ${events} WHERE (stream_id, revision) > ($2, $3::bigint) ORDER BY stream_id, revision LIMIT $1`);
  const forwards = statement(
    `SELECT ${COLUMNS} FROM ${events} WHERE stream_id = $1 AND revision >= $2 AND revision <= $3 ORDER BY revision ASC LIMIT $4`,
  );
  const backwards = statement(
    `SELECT ${COLUMNS} FROM ${events} WHERE stream_id = $1 AND revision <= $2 AND revision >= $3 ORDER BY revision DESC LIMIT $4`,
  );
  const allAfter = statement(`SELECT ${COLUMNS} FROM ${events} WHERE position > $1 AND position <= $2 ORDER BY position ASC LIMIT $3`);
  const str = (n: bigint): string => n.toString();

  return {
    async lastRevision(q, streamId) {
      const r = await q.query<{ revision: bigint }>(lastRevision([streamId]));
      return r.rows[0]?.revision;
    },
    async writeState(q, streamIds, ids) {
      type Row = { kind: 'p' | 'r' | 'i'; key: string | null; revision: bigint | null; position: bigint | null; checksum: string | null };
      const r = await q.query<Row>(writeState([streamIds, ids]));
      const state: WriteState = { heads: new Map(), locations: new Map(), lastPosition: undefined };
      for (const row of r.rows) {
        if (row.kind === 'p') state.lastPosition = row.position ?? undefined;
        else if (row.kind === 'r' && row.key !== null && row.revision !== null) state.heads.set(row.key, { revision: row.revision, checksum: row.checksum });
        else if (row.kind === 'i' && row.key !== null && row.revision !== null && row.position !== null) {
          const space = row.key.indexOf(' '); // "<uuid> <stream id>": a uuid has no space
          state.locations.set(row.key.slice(0, space), { streamId: row.key.slice(space + 1), revision: row.revision, position: row.position });
        }
      }
      return state;
    },
    async lastPosition(q) {
      const r = await q.query<{ position: bigint | null }>(lastPosition([]));
      return r.rows[0]?.position ?? undefined;
    },
    async headsSince(q, after) {
      const r = await q.query<{ stream_id: string; revision: bigint; position: bigint }>(headsSince([str(after)]));
      let position = after;
      const heads: Array<[string, bigint]> = [];
      for (const row of r.rows) {
        heads.push([row.stream_id, row.revision]);
        if (row.position > position) position = row.position;
      }
      return { position, heads };
    },
    async insert(q, rows, notify) {
      const columns = [
        rows.map((r) => str(r.position)),
        rows.map((r) => r.streamId),
        rows.map((r) => str(r.revision)),
        rows.map((r) => r.id),
        rows.map((r) => r.type),
        rows.map((r) => r.dataJson),
        rows.map((r) => r.metadataJson),
        rows.map((r) => r.recordedAt),
        rows.map((r) => r.checksum),
      ];
      await q.query(notify === undefined ? insert(columns) : insertAndNotify([...columns, notify]));
    },
    async streamForwards(q, streamId, from, to, limit) {
      return (await q.query<EventRow>(forwards([streamId, str(from), str(to), limit]))).rows.map(toStoredRow);
    },
    async streamBackwards(q, streamId, from, to, limit) {
      return (await q.query<EventRow>(backwards([streamId, str(from), str(to), limit]))).rows.map(toStoredRow);
    },
    async allAfter(q, after, upTo, limit) {
      return (await q.query<EventRow>(allAfter([str(after), str(upTo), limit]))).rows.map(toStoredRow);
    },
    async checksumsAt(q, keys) {
      const found = new Map<string, string | null>();
      if (keys.length === 0) return found;
      const r = await q.query<{ stream_id: string; revision: bigint; checksum: string | null }>(
        checksumsAt([keys.map((k) => k.streamId), keys.map((k) => str(k.revision))]),
      );
      for (const row of r.rows) found.set(revisionKey(row.stream_id, row.revision), row.checksum);
      return found;
    },
    async byStream(q, after, limit) {
      const query = after === undefined ? byStreamFirst([limit]) : byStreamAfter([limit, after.streamId, str(after.revision)]);
      return (await q.query<EventRow>(query)).rows.map(toStoredRow);
    },
  };
}
