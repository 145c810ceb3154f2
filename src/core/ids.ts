/**
 * Injected id generation: event ids must be UUIDs (idempotent appends); the runtime gets them from
 * an IdGenerator so tests can make them deterministic.
 */
import { randomFillSync, randomUUID } from 'node:crypto';

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
  /**
   * 36-character v4 UUIDs whose last 62 random bits are reused. Default: 8 bytes per id of
   * node:crypto `randomFillSync`, drawn 4 KiB at a time, written with the rest of the id into one
   * reused Buffer and read out as one string (half the time of building the id from `randomUUID`'s
   * text, a sixth of the bytes allocated).
   */
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
  if (options.randomUuid !== undefined) return reusingIds(now, options.randomUuid);
  const at: IdTime = { ms: -1, counter: 0 };
  let pool = RANDOM_POOL_BYTES;
  const random = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
  /** The id being written: `tttttttt-tttt-7` (rewritten when `lastMs` changes), the counter, the random groups. */
  const out = Buffer.allocUnsafe(36);
  out[8] = DASH;
  out[13] = DASH;
  out[14] = 0x37; // the version digit, 7
  out[18] = DASH;
  out[23] = DASH;
  return {
    uuid() {
      if (tick(at, now())) writeMs(out, at.ms);
      const counter = at.counter;
      out[15] = HEX[counter >> 8]!;
      out[16] = HEX[(counter >> 4) & 15]!;
      out[17] = HEX[counter & 15]!;
      if (pool + 8 > RANDOM_POOL_BYTES) {
        randomFillSync(random);
        pool = 0;
      }
      // The 4th and 5th groups: the variant bits (10) and 62 random bits, as in a v4 UUID.
      let p = pool;
      out[19] = HEX[8 | ((random[p]! >> 4) & 3)]!;
      out[20] = HEX[random[p++]! & 15]!;
      for (let i = 21; i < 36; i += 2, p++) {
        if (i === 23) i++;
        out[i] = HEX[random[p]! >> 4]!;
        out[i + 1] = HEX[random[p]! & 15]!;
      }
      pool = p;
      return out.toString('latin1', 0, 36);
    },
  };
}

/** Random bytes drawn at once for `timeOrderedIds` (8 per id). */
const RANDOM_POOL_BYTES = 4096;
const DASH = 0x2d;
/** The ASCII codes of the lower-case hex digits. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Moves `at` to the next id's millisecond and counter (see `timeOrderedIds`).
 * @returns whether the millisecond changed.
 * @throws RangeError when `ms` is not an integer in [0, 2^48).
 */
function tick(at: IdTime, ms: number): boolean {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_UNIX_MS) throw new RangeError(`timeOrderedIds: now() returned ${ms}, not an integer ms in [0, 2^48)`);
  if (ms > at.ms) {
    at.ms = ms;
    at.counter = 0;
    return true;
  }
  if (at.counter < COUNTER_MAX) {
    at.counter++;
    return false;
  }
  at.ms = Math.min(at.ms + 1, MAX_UNIX_MS);
  at.counter = 0;
  return true;
}

/** The millisecond and counter of a generator's last id (`ms` -1 before the first). */
interface IdTime {
  ms: number;
  counter: number;
}

/** Writes the 12 hex digits of `ms` at 0..7 and 9..12 of `out`. */
function writeMs(out: Buffer, ms: number): void {
  let x = ms;
  for (let i = 12; i >= 0; i--) {
    if (i === 8) continue;
    out[i] = HEX[x % 16]!;
    x = Math.floor(x / 16);
  }
}

/** `timeOrderedIds` with the random bits taken from the last 62 bits of `random()`'s v4 UUIDs. */
function reusingIds(now: () => number, random: () => string): IdGenerator {
  const at: IdTime = { ms: -1, counter: 0 };
  /** The first two groups and the version digit for `at.ms` (`tttttttt-tttt-7`), written when it changes. */
  let prefix = '';
  return {
    uuid() {
      if (tick(at, now())) {
        const t = at.ms.toString(16).padStart(12, '0');
        prefix = `${t.slice(0, 8)}-${t.slice(8)}-7`;
      }
      return `${prefix}${hex3(at.counter)}-${random().slice(19)}`;
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
