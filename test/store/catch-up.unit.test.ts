/** The catch-up → live subscription builder, driven by a hand-made source. */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { catchUpSubscription, pollSignals } from '../../src/store/catch-up.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { until, watch } from './contract/helpers.ts';

const event = (position: number): RecordedEvent => ({
  streamId: 's',
  revision: BigInt(position),
  position: BigInt(position),
  id: `id-${position}`,
  type: 'T',
  data: {},
  metadata: { schemaVersion: 1, recordedAt: '2026-01-01T00:00:00.000Z' },
});

/** A fake log: `events` grows by `commit`; reads can be made to wait for `release()`. */
function fakeLog(manual = false) {
  const events: RecordedEvent[] = [];
  const signals = new Subject<void>();
  const reads: [bigint, number][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gates: (() => void)[] = [];
  const readAfter = async (after: bigint, limit: number): Promise<RecordedEvent[]> => {
    reads.push([after, limit]);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (manual) await new Promise<void>((resolve) => gates.push(resolve));
    inFlight--;
    return events.filter((e) => e.position > after).slice(0, limit);
  };
  return {
    events,
    signals,
    reads,
    readAfter,
    maxInFlight: () => maxInFlight,
    release: () => gates.shift()?.(),
    pendingReads: () => gates.length,
    commit: (n: number) => {
      for (let i = 0; i < n; i++) events.push(event(events.length));
      signals.next();
    },
  };
}

const positions = (es: RecordedEvent[]): number[] => es.map((e) => Number(e.position));

describe('catchUpSubscription', () => {
  it('catches up page by page, then goes live, each event once', async () => {
    const log = fakeLog();
    log.commit(5);
    const w = watch(catchUpSubscription({ ...log, cursorOf: (e) => e.position, after: -1n, pageSize: 2 }));
    await until(() => w.events.length === 5, 'catch-up');
    expect(log.reads).toEqual([
      [-1n, 2],
      [1n, 2],
      [3n, 2],
    ]);
    log.commit(2);
    await until(() => w.events.length === 7, 'live events');
    expect(positions(w.events)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    w.stop();
  });

  it('starts after the given cursor', async () => {
    const log = fakeLog();
    log.commit(4);
    const w = watch(catchUpSubscription({ ...log, cursorOf: (e) => e.position, after: 1n }));
    await until(() => w.events.length === 2, 'catch-up');
    expect(positions(w.events)).toEqual([2, 3]);
    w.stop();
  });

  it('serialises reads: signals during a read cause exactly one more read after it', async () => {
    const log = fakeLog(true);
    log.commit(1);
    const w = watch(catchUpSubscription({ ...log, cursorOf: (e) => e.position, after: -1n }));
    await until(() => log.pendingReads() === 1, 'the first read');
    log.commit(1);
    log.commit(1);
    log.release();
    await until(() => log.pendingReads() === 1, 'the re-read');
    log.release();
    await until(() => w.events.length === 3, 'three events');
    expect(log.reads.map(([after]) => after)).toEqual([-1n, 2n]);
    expect(log.maxInFlight()).toBe(1);
    expect(positions(w.events)).toEqual([0, 1, 2]);
    w.stop();
  });

  it('discards a read in flight on unsubscribe and stops listening to signals', async () => {
    const log = fakeLog(true);
    log.commit(1);
    const w = watch(catchUpSubscription({ ...log, cursorOf: (e) => e.position, after: -1n }));
    await until(() => log.pendingReads() === 1, 'the first read');
    w.stop();
    log.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.events).toEqual([]);
    expect(log.signals.observed).toBe(false);
  });

  it('delivers a read error as the Observable error and unsubscribes from signals', async () => {
    const signals = new Subject<void>();
    const boom = new Error('decode failed');
    const w = watch(
      catchUpSubscription({ readAfter: () => Promise.reject(boom), signals, cursorOf: (e) => e.position, after: -1n }),
    );
    await until(() => w.error !== undefined, 'the error');
    expect(w.error).toBe(boom);
    expect(signals.observed).toBe(false);
  });

  it('errors rather than repeating when an adapter returns an event at or before the cursor', async () => {
    const signals = new Subject<void>();
    const w = watch(catchUpSubscription({ readAfter: () => [event(3), event(3)], signals, cursorOf: (e) => e.position, after: -1n }));
    await until(() => w.error !== undefined, 'the error');
    expect(String(w.error)).toContain('cursor 3 not after 3');
    expect(positions(w.events)).toEqual([3]);
  });

  it('completes when signals complete (after the read in flight is delivered); forwards a signal error', async () => {
    const log = fakeLog(true);
    log.commit(1);
    const w = watch(catchUpSubscription({ ...log, cursorOf: (e) => e.position, after: -1n }));
    await until(() => log.pendingReads() === 1, 'the first read');
    log.signals.complete();
    expect(w.completed).toBe(false);
    log.release();
    await until(() => w.completed, 'completion');
    expect(positions(w.events)).toEqual([0]);

    const failing = new Subject<void>();
    const f = watch(catchUpSubscription({ readAfter: () => [], signals: failing, cursorOf: (e) => e.position, after: -1n }));
    failing.error(new Error('watcher died'));
    expect(String(f.error)).toContain('watcher died');
  });

  it('refuses a page size below 1', () => {
    expect(() => catchUpSubscription({ readAfter: () => [], signals: new Subject(), cursorOf: (e) => e.position, after: -1n, pageSize: 0 })).toThrow(
      /pageSize/,
    );
  });
});

describe('pollSignals', () => {
  it('emits every interval on the clock and clears its timer on unsubscribe', () => {
    const clock = new SimulatedClock();
    let ticks = 0;
    const sub = pollSignals(clock, 100).subscribe(() => ticks++);
    clock.increment(99);
    expect(ticks).toBe(0);
    clock.increment(1);
    expect(ticks).toBe(1);
    clock.increment(250);
    expect(ticks).toBe(3);
    sub.unsubscribe();
    expect(clock.pendingTimers()).toBe(0);
    clock.increment(1000);
    expect(ticks).toBe(3);
    expect(() => pollSignals(clock, 0)).toThrow(/interval/);
  });
});
