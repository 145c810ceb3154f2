/**
 * Options every EventStore adapter takes (codec, event size limit, clock) and the checks of the
 * numeric options their factories share. Checks run before any file or server is touched.
 *
 * The codec has no default: the store knows bytes and JSON, not what the events mean. Whoever
 * opens a store for Orchestral's threads passes the fact codec (`src/facts/fact-codec.ts`);
 * tests of the store itself may pass `rawCodec`.
 */
import { systemClock, type Clock } from '../core/clock.ts';
import { DEFAULT_MAX_EVENT_BYTES, type EventCodec } from './codec.ts';

/** Options common to every adapter's factory. */
export interface CommonStoreOptions {
  /** Validates on append, upcasts/validates on read (for Orchestral's threads: the fact codec). */
  codec: EventCodec;
  /** Largest event, UTF-8 bytes of data + metadata JSON. Default 1 MiB. */
  maxEventBytes?: number;
  /** Source of `recordedAt` (and of the adapter's poll timer, if it has one). Default: the system clock. */
  clock?: Clock;
}

/** `CommonStoreOptions` with their defaults applied. */
export interface ResolvedStoreOptions {
  codec: EventCodec;
  maxEventBytes: number;
  clock: Clock;
}

/**
 * Checks that `value` is an integer ≥ 1.
 * @param where names the store in the error, e.g. `sqlite store '/tmp/e.db'`.
 * @throws RangeError `<where>: <name> must be a positive integer, got <value>`.
 */
export function positiveInteger(where: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${where}: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Checks that `value` (a duration, ms) is a finite number > 0.
 * @throws RangeError `<where>: <name> must be a finite number > 0, got <value>`.
 */
export function positiveDuration(where: string, name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${where}: ${name} must be a finite number > 0, got ${String(value)}`);
  return value;
}

/**
 * Applies the defaults of the common options (1 MiB, system clock) and checks `maxEventBytes`.
 * @throws RangeError `maxEventBytes` is not a positive integer (the message names `where`).
 */
export function resolveStoreOptions(where: string, options: CommonStoreOptions): ResolvedStoreOptions {
  return {
    codec: options.codec,
    maxEventBytes: positiveInteger(where, 'maxEventBytes', options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES),
    clock: options.clock ?? systemClock,
  };
}
