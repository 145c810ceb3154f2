/**
 * Injected time (after XState's `Clock` / `SimulatedClock`): the runtime, stores and executor never
 * call `Date.now()` or `setTimeout` directly, so tests can drive time deterministically.
 */

/** A source of time and timers. Times are ms since the Unix epoch. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The wall clock and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * A clock that only moves when told to. Timers fire, in due-time order (FIFO among equals),
 * during `increment`/`set`.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  /** @param start initial time, ms since epoch (default 2026-01-01T00:00:00Z). */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Advances time by `ms` (≥ 0), firing due timers in order. */
  increment(ms: number): void {
    this.set(this.current + ms);
  }

  /** Moves time to `t` (never backwards), firing due timers in order. */
  set(t: number): void {
    if (t < this.current) throw new RangeError(`SimulatedClock cannot go back from ${this.current} to ${t}`);
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= t && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = next[1].at;
      next[1].fn();
    }
    this.current = t;
  }

  /** Number of timers not yet fired. */
  pendingTimers(): number {
    return this.timers.size;
  }
}
