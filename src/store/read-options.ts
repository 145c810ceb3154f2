/**
 * Checking `readStream` / `readAll` options and planning keyset-paged reads — shared by every
 * adapter, so each refuses the same bad options the same way and pages the same way.
 *
 * Semantics (EventStoreDB's): revision bounds are inclusive; forwards reads go from `fromRevision`
 * (default 0) up to `toRevision` (default: the last); backwards reads from `fromRevision` (default:
 * the last) down to `toRevision` (default 0). `readAll` starts strictly after `fromPosition`.
 */
import { InvalidReadOptionsError } from './errors.ts';
import type { ReadAllOptions, ReadStreamOptions } from './event-store.ts';

/** Rows per page of `readStream` / `readAll` (every adapter's default `readPageSize`). */
export const READ_PAGE_SIZE = 1000;

/** Largest value an SQLite INTEGER / a PostgreSQL bigint holds. */
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * Checks `maxCount`: `undefined` (no limit) or an integer ≥ 0.
 * @param method names the call in the error, e.g. `readStream('s-1')`.
 * @returns the limit (`Number.MAX_SAFE_INTEGER` when `undefined`).
 * @throws InvalidReadOptionsError naming the method, `maxCount` and the value.
 */
export function checkMaxCount(method: string, maxCount: number | undefined): number {
  if (maxCount === undefined) return Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(maxCount) || maxCount < 0) throw new InvalidReadOptionsError(method, 'maxCount', maxCount, 'an integer ≥ 0');
  return maxCount;
}

/** Checks a revision bound: `undefined` or a bigint ≥ 0. @throws InvalidReadOptionsError otherwise. */
function checkRevision(method: string, option: 'fromRevision' | 'toRevision', value: bigint | undefined): void {
  if (value !== undefined && (typeof value !== 'bigint' || value < 0n)) {
    throw new InvalidReadOptionsError(method, option, value, 'a bigint ≥ 0n');
  }
}

/** A checked `readStream` request: its direction and how many events at most. */
export interface StreamReadPlan {
  readonly forwards: boolean;
  readonly maxCount: number;
}

/**
 * Checks `readStream` options (before the stream is looked up). Revisions above the stream's
 * last are allowed (they bound nothing); negative ones are refused.
 * @throws InvalidReadOptionsError a bad `maxCount`, `direction`, `fromRevision` or `toRevision`,
 *   naming the stream, the option and the value.
 */
export function checkReadStreamOptions(streamId: string, options: ReadStreamOptions): StreamReadPlan {
  const method = `readStream('${streamId}')`;
  const maxCount = checkMaxCount(method, options.maxCount);
  const direction = options.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new InvalidReadOptionsError(method, 'direction', direction, "'forwards' or 'backwards'");
  }
  checkRevision(method, 'fromRevision', options.fromRevision);
  checkRevision(method, 'toRevision', options.toRevision);
  return { forwards: direction === 'forwards', maxCount };
}

/**
 * Checks `readAll` options. A `fromPosition` below -1n reads from the start (positions are ≥ 0).
 * @returns the limit (`Number.MAX_SAFE_INTEGER` when `maxCount` is absent).
 * @throws InvalidReadOptionsError a bad `maxCount`, or a `fromPosition` that is not a bigint.
 */
export function checkReadAllOptions(options: ReadAllOptions): number {
  const { fromPosition } = options;
  if (fromPosition !== undefined && typeof fromPosition !== 'bigint') {
    throw new InvalidReadOptionsError('readAll', 'fromPosition', fromPosition, 'a bigint');
  }
  return checkMaxCount('readAll', options.maxCount);
}

/**
 * A keyset-paged read in progress: the next key to read (inclusive), the last key to read
 * (inclusive), the direction, how many rows are still wanted and the page size. Mutated by
 * `pageRead`.
 */
export interface KeysetPager {
  next: bigint;
  readonly last: bigint;
  readonly forwards: boolean;
  remaining: number;
  readonly pageSize: number;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * The pager of a stream read whose last stored revision is `last`: bounds clamped into
 * [0, last], so no query ever sees an out-of-range integer.
 */
export function streamPager(plan: StreamReadPlan, options: ReadStreamOptions, last: bigint, pageSize: number): KeysetPager {
  const { forwards } = plan;
  const next = forwards ? max(options.fromRevision ?? 0n, 0n) : min(options.fromRevision ?? last, last);
  const end = forwards ? min(options.toRevision ?? last, last) : max(options.toRevision ?? 0n, 0n);
  return { next, last: end, forwards, remaining: plan.maxCount, pageSize };
}

/** The pager of a `readAll` of positions strictly after `after` up to `upTo` (inclusive), at most `maxCount`. */
export function allPager(after: bigint, upTo: bigint, maxCount: number, pageSize: number): KeysetPager {
  return { next: max(after, -1n) + 1n, last: upTo, forwards: true, remaining: maxCount, pageSize };
}

/** Rows to ask for in the next page (keys from `pager.next` onwards), or 0 when the read is over. */
export function nextPageSize(pager: KeysetPager): number {
  if (pager.remaining <= 0 || (pager.forwards ? pager.next > pager.last : pager.next < pager.last)) return 0;
  return Math.min(pager.pageSize, pager.remaining);
}

/**
 * Records a page of `rows` fetched for a request of `requested` rows, keyed by `keyOf` (revision or
 * position). @returns false when the read is over (the page was short or empty).
 */
export function pageRead<R>(pager: KeysetPager, rows: readonly R[], requested: number, keyOf: (row: R) => bigint): boolean {
  const tail = rows[rows.length - 1];
  if (tail === undefined || rows.length < requested) return false;
  pager.remaining -= rows.length;
  pager.next = pager.forwards ? keyOf(tail) + 1n : keyOf(tail) - 1n;
  return true;
}
