/**
 * Sizes of facts as the event store sees them: UTF-8 bytes of the data JSON plus the metadata JSON
 * (what `prepareAppend` in src/store/codec.ts compares with the store's `maxEventBytes`). The draft
 * measures every fact it is given, so a fact over the limit is refused with `FactTooLargeError`
 * while it can still be replaced (a step's output by a recorded failure, a planner's answer by a
 * planning failure) instead of failing the append after its effect ran.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';
import { FACT_VERSIONS, type FactType } from '../facts/fact-types.ts';

/** Metadata a drafted fact may carry (ids are the draft's; `snapshotHash` is added at seal time). */
export interface FactMetaSizes {
  correlationId?: string;
  causationId?: string;
}

/** Length of the `snapshotHash` the draft may add (hex characters). */
const SNAPSHOT_HASH_CHARS = 16;

/** UTF-8 bytes of `JSON.stringify(value)` (0 for `undefined`, which JSON drops). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text);
}

/**
 * Encoded size of one fact, bytes: its data JSON plus the largest metadata JSON it can be stored
 * with (correlation and causation ids, schema version, a snapshot hash).
 * @param data the validated payload (after its zod schema, as the store serialises it).
 */
export function encodedFactBytes(type: FactType, data: unknown, meta: FactMetaSizes = {}): number {
  const metadata = {
    ...(meta.correlationId !== undefined ? { correlationId: meta.correlationId } : {}),
    ...(meta.causationId !== undefined ? { causationId: meta.causationId } : {}),
    schemaVersion: FACT_VERSIONS[type] ?? 1,
    snapshotHash: '0'.repeat(SNAPSHOT_HASH_CHARS),
  };
  return jsonBytes(data) + jsonBytes(metadata);
}

/**
 * Whether the fact's encoded size (`encodedFactBytes`) is at most `maxBytes`, and that size when it
 * is not. A UTF-16 code unit is at most 3 UTF-8 bytes, so a fact whose data and metadata texts are
 * short enough needs no exact count (the store's own check, `prepareAppend`, does the same): the
 * common case costs one JSON.stringify of the data, or none when its text is given.
 * @param json `JSON.stringify(data)` when the caller has it (`validateFact`'s), else undefined.
 * @returns `undefined` when the fact fits, else its size in bytes (> maxBytes).
 */
export function factOversize(type: FactType, data: unknown, meta: FactMetaSizes, maxBytes: number, json?: string): number | undefined {
  const text = json ?? JSON.stringify(data);
  // the metadata JSON: the two ids (as JSON strings, any length), the schema version (a small
  // integer) and the snapshot hash, with their keys and punctuation: under 120 characters plus the ids
  const metaChars = 120 + (meta.correlationId?.length ?? 0) * 6 + (meta.causationId?.length ?? 0) * 6;
  if (((text?.length ?? 0) + metaChars) * 3 <= maxBytes) return undefined;
  const size = encodedFactBytes(type, data, meta);
  return size > maxBytes ? size : undefined;
}

/**
 * A fact's encoded size (data + metadata JSON, UTF-8 bytes) is over the event size limit, so the
 * store would refuse it. Thrown by `Draft.add` before the fact is applied (the draft is unchanged).
 * `index` is the fact's position in the facts given to that `add`, `data` its validated payload,
 * for the caller that replaces it.
 */
export class FactTooLargeError extends OrchestralError {
  static readonly code = 'FACT_TOO_LARGE';
  constructor(
    readonly threadId: string,
    readonly factType: FactType,
    readonly sizeBytes: number,
    readonly maxBytes: number,
    readonly index: number,
    readonly data: unknown,
  ) {
    super(FactTooLargeError.code, `thread '${threadId}': fact '${factType}' is ${sizeBytes} bytes after JSON encoding, over the event limit of ${maxBytes} bytes`);
  }
}
export const isFactTooLargeError = (e: unknown): e is FactTooLargeError => hasErrorCode(e, FactTooLargeError.code);

/** `<what> is N bytes after JSON encoding, over the event limit of M bytes` (the text of recorded size errors). */
export function oversizeMessage(what: string, err: Pick<FactTooLargeError, 'sizeBytes' | 'maxBytes'>): string {
  return `${what} is ${err.sizeBytes} bytes after JSON encoding, over the event limit of ${err.maxBytes} bytes`;
}

/** Longest error message recorded as is (characters); longer ones are cut, so a failure always fits. */
export const MAX_ERROR_MESSAGE_CHARS = 8192;

/** `message` cut to `MAX_ERROR_MESSAGE_CHARS` characters, saying how much was cut. */
export function clipMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE_CHARS) return message;
  return `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (${message.length - MAX_ERROR_MESSAGE_CHARS} more characters cut)`;
}

/**
 * The leaf of `value` (a string, number, boolean or null, or an empty object/array) whose JSON is
 * the largest, with its path (`steps[0].input.text`, `''` for `value` itself) and size in bytes.
 */
export function largestLeaf(value: unknown, path = ''): { path: string; bytes: number } {
  let best = { path, bytes: jsonBytes(value) };
  if (value === null || typeof value !== 'object') return best;
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((v, i): [string, unknown] => [`${path}[${i}]`, v])
    : Object.entries(value).map(([k, v]): [string, unknown] => [path === '' ? k : `${path}.${k}`, v]);
  if (entries.length === 0) return best;
  best = { path, bytes: -1 };
  for (const [p, v] of entries) {
    const leaf = largestLeaf(v, p);
    if (leaf.bytes > best.bytes) best = leaf;
  }
  return best;
}
