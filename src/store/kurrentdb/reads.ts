/**
 * Reads of the EventStoreDB / KurrentDB adapter, over the client's streaming reads: one stream in
 * pages of revisions, `$all` in pages of server positions keeping only our prefix's streams, and
 * the verified, decoded pages the port and the catch-up subscriptions hand out.
 */
import { BACKWARDS, END, ErrorType, FORWARDS, START, type EventStoreDBClient } from '@eventstore/db-client';
import { decodeRow, type EventCodec, type StoredRow } from '../codec.ts';
import { EventDecodeError } from '../errors.ts';
import type { RecordedEvent } from '../event-store.ts';
import type { ChainVerifier } from '../integrity.ts';
import { clientPosition, ourStreamId, positionOf, serverStream, toStoredRow, type ClientRecordedEvent } from './mapping.ts';

/** What the read functions need from the store. */
export interface ReadContext {
  client: EventStoreDBClient;
  prefix: string;
  codec: EventCodec;
  /** @throws StoreClosedError once the store is closed. */
  assertOpen(): void;
  pageSize: number;
}

/** True for the client's "stream not found" error. */
export const isClientStreamNotFound = (err: unknown): boolean => (err as { type?: unknown } | null)?.type === ErrorType.STREAM_NOT_FOUND;

/** One row of ours, or throws when the server gave the event no position (servers before stream reads carried positions). */
function rowOf(streamId: string, e: ClientRecordedEvent): StoredRow {
  const row = toStoredRow(streamId, e);
  if (row === undefined) {
    throw new EventDecodeError(streamId, e.revision, e.type, ['the server reported no log position for this event; this adapter needs a KurrentDB / EventStoreDB that returns positions on stream reads']);
  }
  return row;
}

/**
 * Up to `maxCount` events of our stream `streamId` from `from` (inclusive) in `direction`, as
 * rows; `[]` when the stream does not exist.
 */
export async function streamRows(ctx: ReadContext, streamId: string, from: bigint | 'start' | 'end', direction: 'forwards' | 'backwards', maxCount: number): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  try {
    const read = ctx.client.readStream(serverStream(ctx.prefix, streamId), {
      fromRevision: from === 'start' ? START : from === 'end' ? END : from,
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      maxCount: BigInt(maxCount),
    });
    for await (const resolved of read) if (resolved.event !== undefined) rows.push(rowOf(streamId, resolved.event as ClientRecordedEvent));
  } catch (err) {
    if (isClientStreamNotFound(err)) return [];
    throw err;
  }
  return rows;
}

/** The last event of our stream `streamId`, or `undefined` when it has none. */
export async function headRow(ctx: ReadContext, streamId: string): Promise<StoredRow | undefined> {
  return (await streamRows(ctx, streamId, 'end', 'backwards', 1))[0];
}

/**
 * Up to `limit` events of our streams with server position strictly after `after` (`-1n`: from
 * the start) and at most `upTo` (when given), in `$all` order, reading the server in pages of
 * `ctx.pageSize` and skipping other streams.
 */
export async function allRowsAfter(ctx: ReadContext, after: bigint, limit: number, upTo?: bigint): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  let cursor = after;
  for (;;) {
    ctx.assertOpen();
    let seen = 0;
    let last: bigint | undefined;
    const read = ctx.client.readAll({ fromPosition: cursor < 0n ? START : clientPosition(cursor), direction: FORWARDS, maxCount: BigInt(ctx.pageSize) });
    for await (const resolved of read) {
      const e = resolved.event;
      if (e === undefined) continue;
      seen++;
      const position = positionOf(e.position);
      if (position === undefined || position <= cursor) continue;
      last = position;
      if (upTo !== undefined && position > upTo) return out;
      const streamId = ourStreamId(ctx.prefix, e.streamId);
      if (streamId === undefined) continue;
      out.push(rowOf(streamId, e as ClientRecordedEvent));
      if (out.length >= limit) return out;
    }
    if (seen < ctx.pageSize || last === undefined) return out;
    cursor = last;
  }
}

/** The server's last log position (any stream), or `-1n` when the log is empty. */
export async function lastServerPosition(ctx: ReadContext): Promise<bigint> {
  for await (const resolved of ctx.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1n })) {
    const position = positionOf(resolved.event?.position);
    if (position !== undefined) return position;
  }
  return -1n;
}

/**
 * Fetches the predecessors `verifier` needs for `rows` (one stream read each), then returns a
 * generator that verifies and decodes the rows one at a time, so the events before a damaged one
 * are delivered first.
 * @throws EventIntegrityError / EventDecodeError (from the generator) at the first damaged or undecodable row.
 */
export async function verifiedEvents(ctx: ReadContext, verifier: ChainVerifier, rows: readonly StoredRow[]): Promise<Generator<RecordedEvent>> {
  for (const k of verifier.missing(rows)) {
    const [prev] = await streamRows(ctx, k.streamId, k.revision, 'forwards', 1);
    verifier.supply(k.streamId, k.revision, prev?.revision === k.revision ? prev.checksum : undefined);
  }
  return (function* () {
    for (let i = 0; i < rows.length; i++) {
      verifier.verify(rows, i);
      yield decodeRow(rows[i] as StoredRow, ctx.codec);
    }
  })();
}
