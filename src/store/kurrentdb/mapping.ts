/**
 * The pure half of the EventStoreDB / KurrentDB adapter: how our port's names, revisions,
 * positions, metadata and errors map onto the `@eventstore/db-client` ones. No I/O here, so every
 * rule is unit-tested without a server.
 *
 * - **Streams.** Our stream `s` is the server stream `<prefix><s>` (default prefix `orchestral-`),
 *   so several stores can share one server and `subscribeToAll` / `readAll` see only ours.
 * - **Revisions** are the server's stream revisions (0-based bigints) unchanged; `NO_STREAM`,
 *   `ANY`, `STREAM_EXISTS` have the same string values in both.
 * - **Positions** are the server's commit positions in the transaction log (bigint): strictly
 *   increasing in `$all` order. Each event of an append is its own committed record on
 *   EventStoreDB 20+ / KurrentDB, so two events never share one.
 * - **Payloads** are JSON events (`application/json`): the server keeps the exact bytes of
 *   `JSON.stringify(data)`, and re-serialising what the client parses gives the same text, so the
 *   checksum (`integrity.ts`) sees what was appended.
 * - **Metadata** is `{ orchestral: { metadata, recordedAt, checksum }, $correlationId?, $causationId? }`
 *   (the `$` keys only for the server's own by-correlation projections; ignored on read).
 */
import type { StoredRow } from '../codec.ts';
import { StoreOpenError, WrongExpectedVersionError } from '../errors.ts';
import type { ExpectedRevision } from '../event-store.ts';

/** Default prefix of the server streams a store owns. */
export const DEFAULT_STREAM_PREFIX = 'orchestral-';

/** A parsed `esdb://` / `kurrentdb://` store URL. */
export interface KurrentLocation {
  /** The connection string the client understands (`esdb://…` / `esdb+discover://…`), without our own parameters. */
  connectionString: string;
  /** Prefix of our streams (`?streamPrefix=`; default `DEFAULT_STREAM_PREFIX`). */
  streamPrefix: string;
  /** The URL without credentials, for messages. */
  location: string;
}

/**
 * Parses a store URL: `esdb://host:2113?tls=false`, `esdb+discover://…`, `kurrentdb://…`,
 * `kurrentdb+discover://…`, `kurrent://…` (the last three are rewritten to the `esdb` schemes the
 * client speaks). `streamPrefix=` is ours and removed; every other parameter goes to the client.
 * @throws StoreOpenError `bad_url` not one of those schemes, no host, or an empty / `$`-leading prefix.
 */
export function parseKurrentUrl(url: string): KurrentLocation {
  const match = /^(esdb|kurrentdb|kurrent)(\+discover)?:\/\/(.+)$/i.exec(url);
  const bad = (why: string): never => {
    throw new StoreOpenError(redactUrl(url), 'bad_url', `${why}; expected esdb://host:2113?tls=false or kurrentdb://host:2113[?streamPrefix=name-]`);
  };
  if (match === null) return bad('not an EventStoreDB/KurrentDB URL');
  const rest = match[3] as string;
  const queryAt = rest.indexOf('?');
  const hosts = queryAt < 0 ? rest : rest.slice(0, queryAt);
  if (hosts.replace(/^[^@]*@/, '') === '' || hosts.startsWith('/')) return bad('no host');
  const params = new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1));
  const streamPrefix = params.get('streamPrefix') ?? DEFAULT_STREAM_PREFIX;
  params.delete('streamPrefix');
  if (streamPrefix === '' || streamPrefix.startsWith('$')) return bad(`streamPrefix must be non-empty and not start with '$' (server streams), got '${streamPrefix}'`);
  const query = params.toString();
  const connectionString = `esdb${match[2] ?? ''}://${hosts}${query === '' ? '' : `?${query}`}`;
  return { connectionString, streamPrefix, location: redactUrl(url) };
}

/** A URL with any `user:password@` credentials removed. Never throws. */
export function redactUrl(url: string): string {
  return String(url).replace(/^([a-z+]+:\/\/)[^@/?]*@/i, '$1');
}

/** The server stream holding our stream `streamId`. */
export const serverStream = (prefix: string, streamId: string): string => `${prefix}${streamId}`;

/** Our stream id of a server stream, or `undefined` when the stream is not one of ours. */
export function ourStreamId(prefix: string, serverName: string): string | undefined {
  return serverName.startsWith(prefix) && serverName.length > prefix.length ? serverName.slice(prefix.length) : undefined;
}

/**
 * The client's `expectedRevision` for ours: the same values (the constants are equal strings,
 * revisions are bigints).
 * @throws TypeError anything else.
 */
export function toClientExpectedRevision(streamId: string, expected: ExpectedRevision): ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists' || typeof expected === 'bigint') return expected;
  throw new TypeError(`stream '${streamId}': invalid expectedRevision ${String(expected)}`);
}

/** What the client's WrongExpectedVersionError carries. */
export interface ClientWrongExpectedVersion {
  streamName?: string;
  expectedVersion?: unknown;
  actualVersion?: unknown;
}

/**
 * Our WrongExpectedVersionError for the client's: `actualVersion` `no_stream` (or absent) becomes
 * `undefined`, a revision stays a bigint; `expected` is what our caller asked for.
 */
export function fromClientWrongExpectedVersion(streamId: string, expected: ExpectedRevision, err: ClientWrongExpectedVersion): WrongExpectedVersionError {
  const actual = err.actualVersion;
  return new WrongExpectedVersionError(streamId, expected, typeof actual === 'bigint' ? actual : typeof actual === 'number' ? BigInt(actual) : undefined);
}

/** The server's log position as our `position`: the commit position. */
export interface ClientPosition {
  commit: bigint;
  prepare: bigint;
}

/** Our position of an event the server reports at `position` (its commit position); `undefined` when the server gave none. */
export const positionOf = (position: ClientPosition | undefined): bigint | undefined => position?.commit;

/** The client position to read `$all` from so that events after our `position` come back (its commit and prepare are equal for our events). */
export const clientPosition = (position: bigint): ClientPosition => ({ commit: position, prepare: position });

/** The metadata object an event is appended with (see the module docstring). */
export interface ServerMetadata {
  orchestral: { metadata: unknown; recordedAt: string; checksum: string };
  $correlationId?: string;
  $causationId?: string;
}

/** Builds the server metadata of one event from our serialised metadata, recording time and checksum. */
export function toServerMetadata(metadataJson: string, recordedAt: string, checksum: string): ServerMetadata {
  const metadata = JSON.parse(metadataJson) as Record<string, unknown>;
  const out: ServerMetadata = { orchestral: { metadata, recordedAt, checksum } };
  if (typeof metadata.correlationId === 'string') out.$correlationId = metadata.correlationId;
  if (typeof metadata.causationId === 'string') out.$causationId = metadata.causationId;
  return out;
}

/** An event as the client returns it (the fields this adapter reads). */
export interface ClientRecordedEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: boolean;
  created: Date;
  position?: ClientPosition;
}

/**
 * Our stored row of a server event of stream `streamId` (prefix removed). Data and metadata are
 * re-serialised; an event without our metadata (written by something else) gets `checksum: null`,
 * so the integrity check reports it, and `recordedAt` from the server's `created` time.
 * @returns `undefined` when the server reported no position (the caller decides what that means).
 */
export function toStoredRow(streamId: string, e: ClientRecordedEvent): StoredRow | undefined {
  const position = positionOf(e.position);
  if (position === undefined) return undefined;
  const ours = (e.metadata as Partial<ServerMetadata> | undefined)?.orchestral;
  const valid = typeof ours === 'object' && ours !== null && typeof ours.recordedAt === 'string' && typeof ours.checksum === 'string';
  return {
    streamId,
    revision: e.revision,
    position,
    id: e.id,
    type: e.type,
    dataJson: e.isJson ? (JSON.stringify(e.data) ?? 'null') : Buffer.from(e.data as Uint8Array).toString('utf8'),
    metadataJson: valid ? JSON.stringify(ours.metadata) : e.metadata instanceof Uint8Array ? Buffer.from(e.metadata).toString('utf8') : (JSON.stringify(e.metadata) ?? '{}'),
    recordedAt: valid ? ours.recordedAt : e.created.toISOString(),
    checksum: valid ? ours.checksum : null,
  };
}
