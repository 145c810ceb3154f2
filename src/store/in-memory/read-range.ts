/**
 * Selecting the rows `readStream` returns from one stream's rows, per `ReadStreamOptions`
 * (EventStoreDB semantics: revisions are inclusive bounds; backwards reads start at the end).
 */
import type { StoredRow } from '../codec.ts';
import type { ReadStreamOptions } from '../event-store.ts';

/**
 * Checks a `maxCount` option: `undefined` (no limit) or an integer ≥ 0.
 * @throws RangeError naming the method and the value.
 */
export function validateMaxCount(method: string, maxCount: number | undefined): number | undefined {
  if (maxCount === undefined) return undefined;
  if (!Number.isInteger(maxCount) || maxCount < 0) {
    throw new RangeError(`${method}: maxCount must be an integer ≥ 0, got ${String(maxCount)}`);
  }
  return maxCount;
}

/**
 * The rows of one stream (`rows[r].revision === r`) that a read with `options` returns, in order.
 * Forwards: revisions `fromRevision` (default 0) up to `toRevision` (inclusive). Backwards:
 * `fromRevision` (default: the last) down to `toRevision` (inclusive). At most `maxCount`.
 * @throws RangeError a bad `maxCount` or `direction`.
 */
export function selectStreamRows(streamId: string, rows: readonly StoredRow[], options: ReadStreamOptions): StoredRow[] {
  const limit = validateMaxCount(`readStream('${streamId}')`, options.maxCount) ?? Number.MAX_SAFE_INTEGER;
  const direction = options.direction ?? 'forwards';
  const last = BigInt(rows.length - 1);
  const clamp = (r: bigint): number => Number(r < -1n ? -1n : r > last + 1n ? last + 1n : r);
  if (direction === 'forwards') {
    const from = clamp(options.fromRevision ?? 0n);
    const to = clamp(options.toRevision ?? last);
    if (to < from) return [];
    return rows.slice(from, Math.min(to + 1, from + limit));
  }
  if (direction !== 'backwards') {
    throw new RangeError(`readStream('${streamId}'): direction must be 'forwards' or 'backwards', got ${String(direction)}`);
  }
  const from = clamp(options.fromRevision ?? last);
  const to = clamp(options.toRevision ?? 0n);
  const out: StoredRow[] = [];
  for (let r = Math.min(from, rows.length - 1); r >= Math.max(to, 0) && out.length < limit; r--) {
    const row = rows[r];
    if (row !== undefined) out.push(row);
  }
  return out;
}
