/**
 * Event codecs: how an adapter validates events on append and decodes (upcasts, validates) them on
 * read. Adapters store JSON text; these helpers do the shared work so every adapter behaves alike.
 *
 * Every store is given its codec by whoever opens it: Orchestral's threads use the fact codec
 * (`src/facts/fact-codec.ts`); `rawCodec` accepts any JSON payload and is meant for tests of the
 * store itself.
 */
import type { EventData, EventMetadata, EventMetadataInput, RecordedEvent } from './event-store.ts';
import { CodecNotLoadedError, EventDecodeError, EventTooLargeError, EventValidationError } from './errors.ts';

/**
 * Outcome of a codec step: the (possibly upcast) payload, or the list of problems, each naming its
 * field. `dataJson` (encode only, optional): `JSON.stringify(data)` when the codec already has it;
 * `prepareAppend` then stores it as it is instead of serialising `data` again.
 */
export type CodecResult = { ok: true; data: unknown; schemaVersion: number; dataJson?: string } | { ok: false; issues: string[] };

/** Validates payloads by event type and upcasts old schema versions to the current one. */
export interface EventCodec {
  /** Validates `data` for append. `schemaVersion` absent means "current". */
  encode(type: string, data: unknown, schemaVersion: number | undefined): CodecResult;
  /** Upcasts stored `data` from `schemaVersion` to the current version and validates it. */
  decode(type: string, data: unknown, schemaVersion: number): CodecResult;
  /**
   * Optional: prepares the codec (e.g. imports its schemas) and resolves when `encode` and `decode`
   * can be called; idempotent. A codec that has it is loaded lazily: the SQLite adapter awaits it
   * before its first encode or decode (a store opened, read empty and closed never loads it), and
   * `openEventStore` awaits it before opening any other adapter. Without it, a codec is ready at once.
   */
  load?(): Promise<void>;
}

/**
 * A codec that imports its implementation on first `load()` (see `EventCodec.load`): for callers
 * that open a store only to read it, when loading the real codec (schemas, a validation library)
 * costs more than the rest of their start-up.
 * @param loader resolves with the real codec; called once, by the first `load()`.
 * @returns a codec delegating to the loaded one; its `encode`/`decode` throw CodecNotLoadedError
 *   until `load()` has resolved. `load()` rejects with what `loader` rejects with (and retries on the next call).
 */
export function lazyCodec(loader: () => Promise<EventCodec>): EventCodec & { load(): Promise<void> } {
  let real: EventCodec | undefined;
  let loading: Promise<void> | undefined;
  const loaded = (): EventCodec => {
    if (real === undefined) throw new CodecNotLoadedError();
    return real;
  };
  return {
    encode: (type, data, schemaVersion) => loaded().encode(type, data, schemaVersion),
    decode: (type, data, schemaVersion) => loaded().decode(type, data, schemaVersion),
    load() {
      if (real !== undefined) return Promise.resolve();
      loading ??= loader().then(
        async (codec) => {
          await codec.load?.();
          real = codec;
        },
        (err: unknown) => {
          loading = undefined;
          throw err;
        },
      );
      return loading;
    },
  };
}

/** Accepts any type and any JSON payload, schema version as given (default 1). */
export const rawCodec: EventCodec = {
  encode: (_type, data, schemaVersion) => ({ ok: true, data, schemaVersion: schemaVersion ?? 1 }),
  decode: (_type, data, schemaVersion) => ({ ok: true, data, schemaVersion }),
};

/** Default largest event: 1 MiB of UTF-8 JSON (data + metadata). */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event validated and serialised for storage. `metadataJson` excludes `recordedAt` (stored apart). */
export interface PreparedEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
  schemaVersion: number;
}

/**
 * Validates and serialises a batch for append. Nothing is written by this function.
 * @throws EventValidationError bad stream id, id not a UUID, duplicate id in the batch, empty type,
 *   payload refused by the codec or not JSON-serialisable.
 * @throws EventTooLargeError an event over `maxEventBytes` (UTF-8 bytes of data + metadata JSON).
 */
export function prepareAppend(
  streamId: string,
  events: readonly EventData[],
  codec: EventCodec,
  maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES,
): PreparedEvent[] {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > 512) {
    throw new EventValidationError(String(streamId), 0, '', ['streamId must be a non-empty string of at most 512 characters']);
  }
  const seen = new Set<string>();
  return events.map((event, index) => {
    const type = typeof event?.type === 'string' ? event.type : '';
    const fail = (issue: string): never => {
      throw new EventValidationError(streamId, index, type, [issue]);
    };
    if (type.length === 0) fail('type: must be a non-empty string');
    if (typeof event.id !== 'string' || !UUID.test(event.id)) fail(`id: must be a UUID, got ${JSON.stringify(event.id)}`);
    if (seen.has(event.id)) fail(`id: ${event.id} appears twice in the batch`);
    seen.add(event.id);
    const meta: EventMetadataInput = event.metadata ?? {};
    if (meta.schemaVersion !== undefined && (!Number.isInteger(meta.schemaVersion) || meta.schemaVersion < 1)) {
      fail(`metadata.schemaVersion: must be an integer ≥ 1, got ${String(meta.schemaVersion)}`);
    }
    const result = codec.encode(type, event.data, meta.schemaVersion);
    if (!result.ok) throw new EventValidationError(streamId, index, type, result.issues);
    let dataJson: string;
    try {
      dataJson = result.dataJson ?? JSON.stringify(result.data) ?? fail('data: is not JSON-serialisable (undefined)');
    } catch (err) {
      return fail(`data: is not JSON-serialisable (${(err as Error).message})`);
    }
    const metadataJson = JSON.stringify(compactMetadata(meta, result.schemaVersion));
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short texts need no exact count.
    if ((dataJson.length + metadataJson.length) * 3 > maxEventBytes) {
      const size = Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
      if (size > maxEventBytes) throw new EventTooLargeError(streamId, event.id, type, size, maxEventBytes);
    }
    return { id: event.id, type, dataJson, metadataJson, schemaVersion: result.schemaVersion };
  });
}

/**
 * `meta`'s own defined fields with `schemaVersion` set (in its place when `meta` has the key, else
 * last): the same object, key order included, as compacting `{ ...meta, schemaVersion }`, built
 * without the intermediate copy and entry arrays (this runs once per appended event).
 */
function compactMetadata(meta: EventMetadataInput, schemaVersion: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let versioned = false;
  for (const k in meta) {
    if (!Object.hasOwn(meta, k)) continue;
    if (k === 'schemaVersion') {
      out[k] = schemaVersion;
      versioned = true;
      continue;
    }
    const v = (meta as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  if (!versioned) out.schemaVersion = schemaVersion;
  return out;
}

/** A row as adapters store it. */
export interface StoredRow {
  streamId: string;
  revision: bigint;
  position: bigint;
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
  /** ISO-8601 UTC. */
  recordedAt: string;
  /** The event's chained checksum (see `integrity.ts`); `null` when none is stored (damage). */
  checksum: string | null;
}

/**
 * Turns a stored row into a RecordedEvent: parses JSON, upcasts and validates through `codec`.
 * Returns fresh objects on every call (callers may mutate them freely).
 * @throws EventDecodeError naming stream, revision and type, with the codec's issues.
 */
export function decodeRow(row: StoredRow, codec: EventCodec): RecordedEvent {
  return decodeEvent(row.streamId, row.revision, row.position, row.id, row.type, row.dataJson, row.metadataJson, row.recordedAt, codec);
}

/**
 * `decodeRow` taking the row's columns one by one, so adapters that read rows as arrays build no
 * intermediate `StoredRow`. The parsed metadata object becomes the event's `metadata` (it is fresh
 * from `JSON.parse`, so it is completed in place rather than copied): `schemaVersion` set to the
 * decoded version, `recordedAt` (ISO-8601 UTC) added.
 * @throws EventDecodeError unreadable JSON, metadata that is not a JSON object, or payload refused
 *   by `codec` (unknown type, invalid data), naming stream, revision and type.
 */
export function decodeEvent(
  streamId: string,
  revision: bigint,
  position: bigint,
  id: string,
  type: string,
  dataJson: string,
  metadataJson: string,
  recordedAt: string,
  codec: EventCodec,
): RecordedEvent {
  let data: unknown;
  let meta: (EventMetadataInput & { schemaVersion?: number; recordedAt?: string }) | null;
  try {
    data = JSON.parse(dataJson);
    meta = JSON.parse(metadataJson) as EventMetadataInput | null;
  } catch (err) {
    throw new EventDecodeError(streamId, revision, type, [`stored JSON is unreadable: ${(err as Error).message}`]);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new EventDecodeError(streamId, revision, type, ['stored metadata is not a JSON object']);
  }
  const result = codec.decode(type, data, meta.schemaVersion ?? 1);
  if (!result.ok) throw new EventDecodeError(streamId, revision, type, result.issues);
  meta.schemaVersion = result.schemaVersion;
  meta.recordedAt = recordedAt;
  return { streamId, revision, position, id, type, data: result.data, metadata: meta as EventMetadata };
}
