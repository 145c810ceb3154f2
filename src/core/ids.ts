/**
 * Injected id generation: event ids must be UUIDs (idempotent appends); the runtime gets them from
 * an IdGenerator so tests can make them deterministic.
 */
import { randomUUID } from 'node:crypto';

/** Produces UUIDs (RFC 9562 textual form). */
export interface IdGenerator {
  uuid(): string;
}

/** Random v4 UUIDs from node:crypto. */
export const randomIds: IdGenerator = { uuid: () => randomUUID() };

/** Options of `timeOrderedIds`. */
export interface TimeOrderedIdsOptions {
  /** Milliseconds since the Unix epoch (default `Date.now`). Only orders ids: nothing decides by it. */
  now?: () => number;
  /** 36-character v4 UUIDs whose last 62 random bits are reused (default node:crypto `randomUUID`). */
  randomUuid?: () => string;
}

const MAX_UNIX_MS = 2 ** 48 - 1;
const COUNTER_MAX = 0xfff;

/**
 * Time-ordered UUIDs, version 7 (RFC 9562 §5.7): 48 bits of Unix time in ms, the version, a 12-bit
 * counter in `rand_a` (RFC 9562 §6.2, method 1: reset to 0 when the millisecond changes, incremented
 * within one), the variant and 62 random bits. Ids of one generator sort (as strings and as bytes) in
 * the order they were made: when the clock goes back, the last millisecond is kept; when 4 096 ids
 * are made in one millisecond, the timestamp moves one ms ahead (RFC 9562 §6.2 allows it).
 *
 * The runtime's default for event ids: appended one after another, they land at the right edge of the
 * stores' unique index on the event id (a B-tree) instead of a random page of it, which keeps an
 * append's cost flat as the store grows (bench/dag: a random v4 id costs SQLite about twice the
 * insert of an ordered one).
 * @throws RangeError when `now()` is not an integer in [0, 2^48).
 */
export function timeOrderedIds(options: TimeOrderedIdsOptions = {}): IdGenerator {
  const now = options.now ?? Date.now;
  const random = options.randomUuid ?? randomUUID;
  let lastMs = -1;
  let counter = 0;
  /** The first two groups and the version digit for `lastMs` (`tttttttt-tttt-7`), written when it changes. */
  let prefix = '';
  return {
    uuid() {
      const ms = now();
      if (!Number.isInteger(ms) || ms < 0 || ms > MAX_UNIX_MS) throw new RangeError(`timeOrderedIds: now() returned ${ms}, not an integer ms in [0, 2^48)`);
      if (ms > lastMs) {
        lastMs = ms;
        counter = 0;
      } else if (counter < COUNTER_MAX) {
        counter++;
      } else {
        lastMs = Math.min(lastMs + 1, MAX_UNIX_MS);
        counter = 0;
      }
      if (counter === 0) {
        const t = lastMs.toString(16).padStart(12, '0');
        prefix = `${t.slice(0, 8)}-${t.slice(8)}-7`;
      }
      // The v4 UUID's 4th and 5th groups: its variant bits (10xx) and 62 random bits.
      return `${prefix}${hex3(counter)}-${random().slice(19)}`;
    },
  };
}

/** `n` (0 ≤ n ≤ 0xfff) as 3 lower-case hex digits. */
function hex3(n: number): string {
  return n >= 0x100 ? n.toString(16) : n >= 0x10 ? `0${n.toString(16)}` : `00${n.toString(16)}`;
}

/**
 * Deterministic, sequential UUID-shaped ids: `00000000-0000-4000-8000-<seed><counter>` (hex).
 * @param seed a number in [0, 0xffff] distinguishing generators.
 */
export function sequentialIds(seed = 0): IdGenerator {
  let n = 0;
  const prefix = seed.toString(16).padStart(4, '0');
  return { uuid: () => `00000000-0000-4000-8000-${prefix}${(++n).toString(16).padStart(8, '0')}` };
}
