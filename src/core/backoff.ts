/**
 * A doubling delay for resubscribing after a failure (a lost connection, a failed read): the first
 * retry waits `firstMs`, each next one twice the previous, at most `maxMs`; `reset` (call it when
 * the subscription delivers again) starts over. Plain data, no timers: callers schedule on their
 * injected clock.
 */

/** The delays of successive retries. */
export interface Backoff {
  /** The delay before the next retry, ms; doubles the following one (up to the maximum). */
  next(): number;
  /** The next retry waits the first delay again. */
  reset(): void;
}

/** Default first delay, ms. */
export const BACKOFF_FIRST_MS = 100;
/** Default longest delay, ms. */
export const BACKOFF_MAX_MS = 5000;

/**
 * Creates a backoff from `firstMs` (default 100) doubling to `maxMs` (default 5000).
 * @throws RangeError when `firstMs` is not a positive finite number or `maxMs` < `firstMs`.
 */
export function createBackoff(firstMs = BACKOFF_FIRST_MS, maxMs = BACKOFF_MAX_MS): Backoff {
  if (!(Number.isFinite(firstMs) && firstMs > 0)) throw new RangeError(`backoff firstMs must be a positive number of ms, got ${firstMs}`);
  if (!(maxMs >= firstMs)) throw new RangeError(`backoff maxMs must be ≥ firstMs (${firstMs}), got ${maxMs}`);
  let delay = firstMs;
  return {
    next() {
      const d = delay;
      delay = Math.min(delay * 2, maxMs);
      return d;
    },
    reset() {
      delay = firstMs;
    },
  };
}
