/**
 * Per-event integrity: the one module every adapter uses to compute, verify and scan event
 * checksums, so no adapter can drift from the others.
 *
 * **The checksum** of an event is the hex sha256 of a canonical text holding its predecessor's
 * checksum (empty for revision 0), its stream id, revision, id (lower case), type, `recordedAt`,
 * data JSON and metadata JSON, each length-prefixed where needed so no two events share a text
 * (`eventChecksum`). Chaining on the predecessor makes a removed, inserted or reordered event
 * detectable, not only an edited one. Adapters compute it at append time from the stream head
 * they read inside their write transaction (the same place they check `expectedRevision`) and
 * store it beside the event. It detects damage and edits made without this code; it is not a
 * signature (whoever can write the store can recompute the chain), and the removal of a stream's
 * LAST events leaves no trace (nothing follows them).
 *
 * **On read** (`ChainVerifier`), each event's stored checksum is recomputed from its fields and its
 * predecessor's stored checksum before it is decoded; a mismatch throws `EventIntegrityError`
 * naming stream, revision and position. A forward read knows the predecessor from the previous
 * event of the same stream it delivered (a per-stream map, so `readAll` and `subscribeToAll`,
 * which interleave streams, verify every chain link they cross); the first event of a stream in a
 * read that starts mid-stream, and every event of a backwards read whose predecessor is not the
 * next row of its page, needs its predecessor's checksum fetched (`missing` / `supply`: one
 * lookup per such event, batched per page by the adapter).
 *
 * **Scanning** (`scanIntegrity`, behind `EventStore.verifyIntegrity` and `orchestral verify`)
 * walks every stream in revision order and reports every damaged event instead of stopping.
 */
import { hash } from 'node:crypto';
import { decodeRow, type EventCodec, type PreparedEvent, type StoredRow } from './codec.ts';
import { EventIntegrityError, isEventDecodeError, type IntegrityReason } from './errors.ts';

/** Name of the checksum algorithm (stored with nothing else: the column holds hex digits). */
export const CHECKSUM_ALGORITHM = 'sha256';

/** What a checksum covers besides the predecessor's checksum. `dataJson` may be a Buffer when a row was overwritten with a blob. */
export interface ChecksumFields {
  streamId: string;
  revision: bigint;
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
  /** ISO-8601 UTC. */
  recordedAt: string;
}

/**
 * The checksum of one event (64 hex characters): sha256 over the canonical text of `prev` (the
 * predecessor's checksum; `undefined`/`null` for revision 0) and `fields` (see the module docstring).
 */
export function eventChecksum(prev: string | null | undefined, f: ChecksumFields): string {
  return checksumOf(prev, f.streamId, f.revision, f.id, f.type, f.recordedAt, f.dataJson, f.metadataJson);
}

/**
 * `eventChecksum` taking the fields one by one, so the append and read paths build no object per
 * event. The canonical text is written as UTF-8 into one reused Buffer (`scratch`) and hashed by
 * the one-shot `crypto.hash`: an event's checksum then allocates its 64-character result and a
 * view of the Buffer (~200 bytes per bench fact), where building the text as one string allocated
 * a copy of the whole event and the pieces joining it (~1.3 KB). It costs more CPU than the string
 * (~1.4 µs per bench fact against ~1.0, measured alternately on the compiled code: the copies into
 * the Buffer and their native calls), bought back in the young generation's collections: a
 * rehydration reads every fact of its thread. The short ASCII pieces are copied byte by byte
 * (`putShort`), the payload and metadata by `Buffer.write`. An event whose text may not
 * fit `MAX_SCRATCH_BYTES`, or whose fields are not all strings (a damaged row whose data is a blob),
 * takes `checksumOfText`, the same canonical text built as a string.
 */
export function checksumOf(
  prev: string | null | undefined,
  streamId: string,
  revision: bigint,
  id: string,
  type: string,
  recordedAt: string,
  dataJson: string,
  metadataJson: string,
): string {
  const p = prev ?? '';
  if (
    typeof p !== 'string' || typeof streamId !== 'string' || typeof id !== 'string' || typeof type !== 'string' ||
    typeof recordedAt !== 'string' || typeof dataJson !== 'string' || typeof metadataJson !== 'string' || revision < 0n || revision > MAX_SAFE_REVISION
  ) {
    return checksumOfText(prev, streamId, revision, id, type, recordedAt, dataJson, metadataJson);
  }
  // a UTF-16 code unit is at most 3 UTF-8 bytes; the decimal numbers and separators fit in 128
  const bound = 3 * (p.length + streamId.length + id.length + type.length + recordedAt.length + dataJson.length + metadataJson.length) + 128;
  if (bound > scratch.length) {
    if (bound > MAX_SCRATCH_BYTES) return checksumOfText(prev, streamId, revision, id, type, recordedAt, dataJson, metadataJson);
    scratch = Buffer.allocUnsafe(Math.max(bound, 2 * scratch.length));
  }
  const b = scratch;
  let o = putShort(b, 0, PREFIX);
  o = putShort(b, o, p);
  b[o++] = NL;
  o = writeDecimal(b, o, streamId.length);
  b[o++] = COLON;
  o = putShort(b, o, streamId);
  b[o++] = NL;
  o = writeDecimal(b, o, Number(revision));
  b[o++] = NL;
  o = putLowerShort(b, o, id);
  b[o++] = NL;
  o = writeDecimal(b, o, type.length);
  b[o++] = COLON;
  o = putShort(b, o, type);
  b[o++] = NL;
  o = putShort(b, o, recordedAt);
  b[o++] = NL;
  o = writeDecimal(b, o, dataJson.length);
  b[o++] = COLON;
  o += b.write(dataJson, o);
  b[o++] = NL;
  o += b.write(metadataJson, o);
  return hash(CHECKSUM_ALGORITHM, b.subarray(0, o), 'hex');
}

/**
 * The canonical text of `checksumOf` built as one string and hashed (UTF-8). Fields that are not
 * strings (a blob read from a damaged row) enter the text as template literals write them.
 */
function checksumOfText(
  prev: string | null | undefined,
  streamId: string,
  revision: bigint,
  id: string,
  type: string,
  recordedAt: string,
  dataJson: string,
  metadataJson: string,
): string {
  const text =
    `orchestral-event-v1\n${prev ?? ''}\n${streamId.length}:${streamId}\n${revision}\n${id.toLowerCase()}\n` +
    `${type.length}:${type}\n${recordedAt}\n${dataJson.length}:${dataJson}\n${metadataJson}`;
  return hash(CHECKSUM_ALGORITHM, text, 'hex');
}

const PREFIX = 'orchestral-event-v1\n';
const NL = 0x0a;
const COLON = 0x3a;
const MAX_SAFE_REVISION = BigInt(Number.MAX_SAFE_INTEGER);
/** Largest canonical text written into the reused Buffer (bytes; the bound is 3 per UTF-16 unit): bigger events build a string. */
const MAX_SCRATCH_BYTES = 256 * 1024;
/** The Buffer `checksumOf` writes the canonical text into (grown up to `MAX_SCRATCH_BYTES`; never shrinks). */
let scratch = Buffer.allocUnsafe(8 * 1024);

/** Writes the decimal digits of `n` (an integer, 0 ≤ n ≤ 2^53) at `o`; @returns the offset after them. */
function writeDecimal(b: Buffer, o: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = o + digits - 1, x = n; i >= o; i--, x = Math.floor(x / 10)) b[i] = 0x30 + (x % 10);
  return o + digits;
}

/** Longest piece `putShort` copies char by char (a Buffer write is a native call of ~70 ns: worth it for the payload only). */
const SHORT = 128;

/**
 * Writes `s` at `o` as UTF-8 and @returns the offset after it: an ASCII piece of at most `SHORT`
 * characters byte by byte in JavaScript (no native call, nothing allocated), anything else by
 * `Buffer.write`.
 */
function putShort(b: Buffer, o: number, s: string): number {
  const n = s.length;
  if (n > SHORT) return o + b.write(s, o);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return o + b.write(s, o);
    b[o + i] = c;
  }
  return o + n;
}

/**
 * `putShort` of `id.toLowerCase()`: an ASCII id is lowered byte by byte (A–Z only, as `toLowerCase`
 * does for ASCII) without a new string; any other id through `toLowerCase`.
 */
function putLowerShort(b: Buffer, o: number, id: string): number {
  const n = id.length;
  if (n > SHORT) return o + b.write(id.toLowerCase(), o);
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x80) return o + b.write(id.toLowerCase(), o);
    b[o + i] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  }
  return o + n;
}

/**
 * Checksums of a batch appended to `streamId` after `head` (the stream's last revision and that
 * event's stored checksum, or `undefined` for a new stream), in order: revision `head + 1`, ….
 */
export function chainChecksums(
  streamId: string,
  head: { revision: bigint; checksum: string | null } | undefined,
  events: readonly PreparedEvent[],
  recordedAt: string,
): string[] {
  let prev = head?.checksum ?? undefined;
  let revision = head?.revision ?? -1n;
  return events.map((e) => {
    revision += 1n;
    prev = checksumOf(prev, streamId, revision, e.id, e.type, recordedAt, e.dataJson, e.metadataJson);
    return prev;
  });
}

/** A stored row with its stored checksum (`null` when none is stored). */
export type ChecksummedRow = StoredRow;

/** A predecessor a verifier needs fetched: the checksum stored at `streamId` / `revision`. */
export interface PredecessorKey {
  streamId: string;
  revision: bigint;
}

/** Forgets the per-stream memory of a verifier past this many streams (it then fetches more predecessors, never verifies less). */
const MAX_TRACKED_STREAMS = 50_000;

const short = (sum: string | null | undefined): string => (sum ? `${sum.slice(0, 12)}…` : 'none');

/**
 * Verifies the rows of one read (or one subscription) in the order they are delivered. Create one
 * per read. For each page: `missing(page)` lists predecessors to fetch, the adapter `supply`s each
 * (its stored checksum, or `undefined` when no event is stored there), then `verify(page, i)` for
 * every row before it is decoded.
 */
export class ChainVerifier {
  /** Forwards: last verified revision and stored checksum per stream. */
  private readonly last = new Map<string, { revision: bigint; checksum: string | null }>();
  private readonly fetched = new Map<string, string | null>();

  constructor(private readonly direction: 'forwards' | 'backwards' = 'forwards') {}

  /** Predecessors `page` needs that neither the page nor this verifier's memory holds. */
  missing(page: readonly ChecksummedRow[]): PredecessorKey[] {
    this.fetched.clear(); // only the current page's predecessors are needed
    if (this.last.size > MAX_TRACKED_STREAMS) this.last.clear();
    const out: PredecessorKey[] = [];
    const seen = new Set<string>();
    const forwards = this.direction === 'forwards';
    for (let i = 0; i < page.length; i++) {
      const row = page[i] as ChecksummedRow;
      if (forwards) {
        if (this.last.has(row.streamId) || seen.has(row.streamId)) continue;
        seen.add(row.streamId);
        if (row.revision === 0n) continue;
      } else {
        if (row.revision === 0n) continue;
        const next = page[i + 1];
        if (next !== undefined && next.streamId === row.streamId && next.revision === row.revision - 1n) continue;
      }
      out.push({ streamId: row.streamId, revision: row.revision - 1n });
    }
    return out;
  }

  /** Records a fetched predecessor checksum (`undefined`: no event at that revision; `null`: no checksum stored). */
  supply(streamId: string, revision: bigint, checksum: string | null | undefined): void {
    this.fetched.set(`${revision}:${streamId}`, checksum === undefined ? ABSENT : checksum);
  }

  /**
   * Verifies `page[i]` against its predecessor.
   * @throws EventIntegrityError `checksum_mismatch`, `revision_gap` (its predecessor is not stored)
   *   or `chain_broken` (an event of a stream arriving after a later one of the same stream).
   */
  verify(page: readonly ChecksummedRow[], i: number): void {
    const row = page[i];
    if (row === undefined) return;
    if (this.direction === 'backwards') {
      const expected = eventChecksum(this.backwardPredecessor(row, page[i + 1]), row);
      if (row.checksum !== expected) throw mismatch(row, expected);
      return;
    }
    const entry = this.last.get(row.streamId); // one lookup serves the predecessor and the update
    const expected = eventChecksum(this.forwardPredecessor(row, entry), row);
    if (row.checksum !== expected) throw mismatch(row, expected);
    if (entry === undefined) this.last.set(row.streamId, { revision: row.revision, checksum: row.checksum });
    else {
      entry.revision = row.revision;
      entry.checksum = row.checksum;
    }
  }

  private forwardPredecessor(row: ChecksummedRow, last: { revision: bigint; checksum: string | null } | undefined): string | null | undefined {
    if (row.revision === 0n) return undefined;
    if (last !== undefined) {
      if (last.revision === row.revision - 1n) return last.checksum;
      if (last.revision >= row.revision) {
        throw integrity(row, 'chain_broken', `it arrived after revision ${last.revision} of the same stream (events out of order)`);
      }
      throw integrity(row, 'revision_gap', `revisions ${last.revision + 1n}..${row.revision - 1n} are missing before it`);
    }
    return this.fetchedPredecessor(row);
  }

  private backwardPredecessor(row: ChecksummedRow, next: ChecksummedRow | undefined): string | null | undefined {
    if (row.revision === 0n) return undefined;
    if (next !== undefined && next.streamId === row.streamId && next.revision === row.revision - 1n) return next.checksum;
    return this.fetchedPredecessor(row);
  }

  private fetchedPredecessor(row: ChecksummedRow): string | null {
    const key = `${row.revision - 1n}:${row.streamId}`;
    const found = this.fetched.get(key);
    if (found === undefined) throw new Error(`ChainVerifier: predecessor of '${row.streamId}' revision ${row.revision} was not supplied (adapter bug)`);
    if (found === ABSENT) throw integrity(row, 'revision_gap', `its predecessor, revision ${row.revision - 1n}, is not stored`);
    return found;
  }
}

/** Marker of a predecessor looked up and not found (distinct from `null`, a row without checksum). */
const ABSENT = '\u0000absent';

function integrity(row: ChecksummedRow, reason: IntegrityReason, detail: string): EventIntegrityError {
  return new EventIntegrityError(row.streamId, row.revision, row.position, reason, detail);
}

function mismatch(row: ChecksummedRow, expected: string): EventIntegrityError {
  return integrity(
    row,
    'checksum_mismatch',
    row.checksum === null || row.checksum === undefined
      ? 'no checksum is stored for it'
      : `stored checksum ${short(row.checksum)} differs from ${short(expected)} computed from its type, data and metadata: the event was changed after it was written`,
  );
}

/**
 * Fills a verifier's missing predecessors through a synchronous lookup (in-memory and SQLite
 * adapters): `lookup` returns the checksum stored at a stream revision, `null` when that event has
 * none, `undefined` when there is no event there.
 */
export function supplyPredecessors(
  verifier: ChainVerifier,
  page: readonly ChecksummedRow[],
  lookup: (streamId: string, revision: bigint) => string | null | undefined,
): void {
  for (const k of verifier.missing(page)) verifier.supply(k.streamId, k.revision, lookup(k.streamId, k.revision));
}

/**
 * Every damaged event of a log, given its rows grouped by stream and in revision order within a
 * stream (streams in any order). Each damaged event is reported once, by its first problem:
 * `revision_gap` (revisions before it are missing), `checksum_mismatch` (its own content or
 * checksum changed), `chain_broken` (its content is intact but its predecessor's stored checksum
 * changed; or it does not match and its predecessor is damaged too, e.g. swapped events; or its
 * position is not after its predecessor's), `undecodable` (intact but refused by `codec`, e.g. an
 * unknown type). Reading errors (e.g. StoreCorruptError) are thrown.
 * @returns the issues as `EventIntegrityError`s (not thrown).
 */
export async function* scanIntegrity(rows: AsyncIterable<ChecksummedRow> | Iterable<ChecksummedRow>, codec: EventCodec): AsyncGenerator<EventIntegrityError> {
  if (codec.load !== undefined) await codec.load();
  let stream: string | undefined;
  let expectedRevision = 0n;
  let prevStored: string | null | undefined;
  let prevComputed: string | undefined;
  let prevPosition = -1n;
  let prevDamaged = false;
  for await (const row of rows) {
    if (row.streamId !== stream) {
      [stream, expectedRevision, prevStored, prevComputed, prevPosition, prevDamaged] = [row.streamId, 0n, undefined, undefined, -1n, false];
    }
    const computed = eventChecksum(prevStored, row);
    let issue: EventIntegrityError | undefined;
    if (row.revision !== expectedRevision) {
      issue = integrity(row, 'revision_gap', `revisions ${expectedRevision}..${row.revision - 1n} of the stream are missing before it`);
    } else if (row.checksum !== computed) {
      if (prevComputed !== undefined && row.checksum === eventChecksum(prevComputed, row)) {
        issue = integrity(row, 'chain_broken', `its content is intact but the stored checksum of revision ${row.revision - 1n} was changed`);
      } else if (prevDamaged) {
        issue = integrity(row, 'chain_broken', `its checksum does not match and revision ${row.revision - 1n} before it is damaged: this event or its link to the previous one was changed`);
      } else {
        issue = mismatch(row, computed);
      }
    } else if (row.position <= prevPosition) {
      issue = integrity(row, 'chain_broken', `its position ${row.position} is not after revision ${row.revision - 1n}'s (${prevPosition}): events reordered`);
    } else {
      issue = undecodable(row, codec);
    }
    if (issue !== undefined) yield issue;
    prevDamaged = issue !== undefined && issue.reason !== 'undecodable';
    prevComputed = row.revision === expectedRevision ? computed : undefined;
    prevStored = row.checksum;
    prevPosition = row.position;
    expectedRevision = row.revision + 1n;
  }
}

function undecodable(row: ChecksummedRow, codec: EventCodec): EventIntegrityError | undefined {
  try {
    decodeRow(row, codec);
    return undefined;
  } catch (err) {
    if (!isEventDecodeError(err)) throw err;
    return integrity(row, 'undecodable', err.issues.join('; '));
  }
}
