/**
 * Errors of the event store port. Each has a stable `code` and an `isXError` guard.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';
import type { ExpectedRevision } from './revision.ts';

/** Renders an expected revision for messages: `no_stream`, `any`, `stream_exists` or the number. */
export function formatRevision(rev: ExpectedRevision | bigint | undefined): string {
  return rev === undefined ? 'none' : String(rev);
}

/**
 * The stream's revision did not match `expectedRevision`; nothing was written.
 * `actual` is the stream's last revision, or `undefined` when the stream does not exist.
 */
export class WrongExpectedVersionError extends OrchestralError {
  static readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | undefined,
  ) {
    super(
      WrongExpectedVersionError.code,
      `stream '${streamId}': expected revision ${formatRevision(expected)}, actual ${actual === undefined ? 'no_stream' : String(actual)}`,
    );
  }
}
export const isWrongExpectedVersionError = (e: unknown): e is WrongExpectedVersionError =>
  hasErrorCode(e, WrongExpectedVersionError.code);

/** `readStream` on a stream that has no event. */
export class StreamNotFoundError extends OrchestralError {
  static readonly code = 'STREAM_NOT_FOUND';
  constructor(readonly streamId: string) {
    super(StreamNotFoundError.code, `stream '${streamId}' not found`);
  }
}
export const isStreamNotFoundError = (e: unknown): e is StreamNotFoundError =>
  hasErrorCode(e, StreamNotFoundError.code);

/** A stored event could not be decoded: unknown type, invalid payload, or unparseable JSON. Never skipped. */
export class EventDecodeError extends OrchestralError {
  static readonly code = 'EVENT_DECODE';
  constructor(
    readonly streamId: string,
    readonly revision: bigint,
    readonly type: string,
    readonly issues: string[],
  ) {
    super(
      EventDecodeError.code,
      `cannot decode event '${type}' at stream '${streamId}' revision ${revision}: ${issues.join('; ')}`,
    );
  }
}
export const isEventDecodeError = (e: unknown): e is EventDecodeError => hasErrorCode(e, EventDecodeError.code);

/** An event offered for append is invalid (unknown type, payload failing its schema, bad id). Nothing was written. */
export class EventValidationError extends OrchestralError {
  static readonly code = 'EVENT_VALIDATION';
  constructor(
    readonly streamId: string,
    readonly index: number,
    readonly type: string,
    readonly issues: string[],
  ) {
    super(
      EventValidationError.code,
      `stream '${streamId}': event #${index} of the batch ('${type}') is invalid: ${issues.join('; ')}`,
    );
  }
}
export const isEventValidationError = (e: unknown): e is EventValidationError =>
  hasErrorCode(e, EventValidationError.code);

/** An event's serialised size (data + metadata, UTF-8 bytes) exceeds the store's limit. Nothing was written. */
export class EventTooLargeError extends OrchestralError {
  static readonly code = 'EVENT_TOO_LARGE';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
    readonly type: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(
      EventTooLargeError.code,
      `stream '${streamId}': event ${eventId} ('${type}') is ${sizeBytes} bytes, over the limit of ${maxBytes} bytes`,
    );
  }
}
export const isEventTooLargeError = (e: unknown): e is EventTooLargeError => hasErrorCode(e, EventTooLargeError.code);

/** An event id is already stored elsewhere (another stream, or a non-matching place) and the append is not a retry. */
export class DuplicateEventIdError extends OrchestralError {
  static readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
    readonly detail: string,
  ) {
    super(DuplicateEventIdError.code, `stream '${streamId}': event id ${eventId} is already stored (${detail})`);
  }
}
export const isDuplicateEventIdError = (e: unknown): e is DuplicateEventIdError =>
  hasErrorCode(e, DuplicateEventIdError.code);

/** A call on a store after `close()`. */
export class StoreClosedError extends OrchestralError {
  static readonly code = 'STORE_CLOSED';
  constructor(readonly store: string) {
    super(StoreClosedError.code, `event store ${store} is closed`);
  }
}
export const isStoreClosedError = (e: unknown): e is StoreClosedError => hasErrorCode(e, StoreClosedError.code);

/**
 * The store's file or server cannot be used: not an Orchestral store, newer schema, read-only,
 * corrupt, locked, an unparseable URL, or (`not_found`) no store there when opened with
 * `create: false`. `location` names the file or URL. Nothing was modified or created.
 */
export class StoreOpenError extends OrchestralError {
  static readonly code = 'STORE_OPEN';
  constructor(
    readonly location: string,
    readonly reason: 'not_orchestral' | 'newer_schema' | 'read_only' | 'corrupt' | 'locked' | 'bad_url' | 'not_found' | 'io',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(StoreOpenError.code, `cannot open event store '${location}': ${detail}`, options);
  }
}
export const isStoreOpenError = (e: unknown): e is StoreOpenError => hasErrorCode(e, StoreOpenError.code);

/**
 * The store could not write an append: `disk_full` (no space left), `io` (an I/O error),
 * `read_only` (the file or database became read-only). `location` names the file or server.
 * Nothing of the append was stored; the caller's command was not acknowledged.
 */
export class StoreWriteError extends OrchestralError {
  static readonly code = 'STORE_WRITE';
  constructor(
    readonly location: string,
    readonly reason: 'disk_full' | 'io' | 'read_only',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(StoreWriteError.code, `${detail}; nothing of this append was stored`, options);
  }
}
export const isStoreWriteError = (e: unknown): e is StoreWriteError => hasErrorCode(e, StoreWriteError.code);

/**
 * A `readStream` / `readAll` option is invalid: `maxCount` not an integer ≥ 0, `direction` neither
 * `forwards` nor `backwards`, or `fromRevision` / `toRevision` not a bigint ≥ 0. `method` names the
 * call (e.g. `readStream('thread-1')`), `option` the option, `value` what was given. Nothing was read.
 */
export class InvalidReadOptionsError extends OrchestralError {
  static readonly code = 'INVALID_READ_OPTIONS';
  constructor(
    readonly method: string,
    readonly option: string,
    readonly value: unknown,
    expectation: string,
  ) {
    super(InvalidReadOptionsError.code, `${method}: ${option} must be ${expectation}, got ${formatValue(value)}`);
  }
}
export const isInvalidReadOptionsError = (e: unknown): e is InvalidReadOptionsError =>
  hasErrorCode(e, InvalidReadOptionsError.code);

/** Renders an option value for messages: strings quoted, bigints with their `n`. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/**
 * Why a stored event failed its integrity check:
 * - `checksum_mismatch`: its stored checksum is not the checksum of its stream, revision, id, type,
 *   data, metadata and recording time chained to its predecessor's (the row was edited, zero-filled,
 *   moved to another revision, or its checksum is missing);
 * - `chain_broken`: its predecessor (revision - 1) cannot be found, or it arrived out of order;
 * - `revision_gap`: revisions are not contiguous (an event in between was removed);
 * - `undecodable`: the row is not readable at all (found by `verify`, which also decodes).
 */
export type IntegrityReason = 'checksum_mismatch' | 'chain_broken' | 'revision_gap' | 'undecodable';

/**
 * A stored event is damaged: the log no longer holds what was appended at `streamId` / `revision`
 * (`position` its global position). Raised by every read path (readStream, readAll, subscriptions)
 * before the event is decoded or delivered; never skipped. Nothing is modified.
 */
export class EventIntegrityError extends OrchestralError {
  static readonly code = 'EVENT_INTEGRITY';
  constructor(
    readonly streamId: string,
    readonly revision: bigint,
    readonly position: bigint,
    readonly reason: IntegrityReason,
    readonly detail: string,
  ) {
    super(
      EventIntegrityError.code,
      `event at stream '${streamId}' revision ${revision} (position ${position}) failed its integrity check: ${reason.replace('_', ' ')}: ${detail}`,
    );
  }
}
export const isEventIntegrityError = (e: unknown): e is EventIntegrityError => hasErrorCode(e, EventIntegrityError.code);

/**
 * The store's file (or server storage) reported damage below the event level, e.g. SQLite's
 * "database disk image is malformed". `location` names the file; `detail` is the driver's message.
 */
export class StoreCorruptError extends OrchestralError {
  static readonly code = 'STORE_CORRUPT';
  constructor(
    readonly location: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(StoreCorruptError.code, `event store '${location}' is damaged: ${detail} (run 'orchestral verify --store …' to list damaged events)`, options);
  }
}
export const isStoreCorruptError = (e: unknown): e is StoreCorruptError => hasErrorCode(e, StoreCorruptError.code);

/** A codec whose `encode`/`decode` were called before its `load()` resolved. */
export class CodecNotLoadedError extends OrchestralError {
  static readonly code = 'CODEC_NOT_LOADED';
  constructor() {
    super(CodecNotLoadedError.code, 'event codec used before its load() resolved');
  }
}
