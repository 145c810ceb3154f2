/**
 * Selecting the rows `readStream` returns from one stream's rows, per `ReadStreamOptions`
 * (EventStoreDB semantics, checked and bounded as every adapter does: see `read-options.ts`).
 */
import type { StoredRow } from '../codec.ts';
import type { ReadStreamOptions } from '../event-store.ts';
import { streamPager, type StreamReadPlan } from '../read-options.ts';

/**
 * The rows of one stream (`rows[r].revision === r`, at least one) that a read with `options`
 * returns, in order. Forwards: revisions `fromRevision` (default 0) up to `toRevision` (inclusive).
 * Backwards: `fromRevision` (default: the last) down to `toRevision` (inclusive). At most `maxCount`.
 * `plan` is `checkReadStreamOptions(streamId, options)`.
 */
export function selectStreamRows(rows: readonly StoredRow[], plan: StreamReadPlan, options: ReadStreamOptions): StoredRow[] {
  const range = streamPager(plan, options, BigInt(rows.length - 1), plan.maxCount);
  const from = Number(range.next);
  const to = Number(range.last);
  if (plan.forwards) return from > to ? [] : rows.slice(from, Math.min(to + 1, from + plan.maxCount));
  const out: StoredRow[] = [];
  for (let r = from; r >= to && out.length < plan.maxCount; r--) {
    const row = rows[r];
    if (row !== undefined) out.push(row);
  }
  return out;
}
