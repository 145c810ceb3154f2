/**
 * The projector through failed store subscriptions: a subscription error is transient (status
 * `retrying`, then subscribed again from its position after 100 ms doubling to 5 s), so every event
 * is applied exactly once across an outage, waiters keep waiting and the persisted projector saves
 * on; a projection error, an undecodable event and a closed store still fail it, and `stop()`
 * cancels a pending resubscription. In-memory store whose subscriptions fail on demand, simulated
 * clock.
 */
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import { createInMemoryProjectionStore } from '../../src/projections/in-memory-projection-store.ts';
import { startPersistedProjector } from '../../src/projections/persisted-projector.ts';
import type { Projection } from '../../src/projections/projection.ts';
import { isProjectionError } from '../../src/projections/projection-errors.ts';
import { startProjector, type ProjectorStatus } from '../../src/projections/projector.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { StoreClosedError } from '../../src/store/errors.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { failingSubscriptions } from '../support/failing-subscriptions.ts';

/** The positions applied, in order: a duplicate or a gap shows. Throws on an event with `poison`. */
const positions: Projection<number[]> = {
  name: 'positions',
  version: 1,
  initialState: [],
  evolve: (s, f) => {
    if ((f.data as { poison?: boolean }).poison) throw new Error('poisoned');
    return [...s, Number(f.position)];
  },
};
/** Every stored event as a fact (the store is untyped). */
const anyEvent = (e: RecordedEvent): RecordedFact => e as unknown as RecordedFact;

/** Lets the store's reads (promises) and the projector's batches (microtasks) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function setup() {
  const clock = new SimulatedClock();
  const raw = getInMemoryEventStore({ codec: rawCodec, clock });
  const outage = new Subject<unknown>();
  const { store, counter } = failingSubscriptions(raw, outage);
  const append = async (n: number, data: Record<string, unknown> = {}): Promise<void> => {
    for (let i = 0; i < n; i++) await raw.appendToStream('s', [{ id: randomUUID(), type: 'Note', data }]);
  };
  return { clock, raw, store, outage, counter, append };
}

describe('projector subscription errors', () => {
  it('retries from its position: every event applied once across an outage; waiters wait; status retrying then running', async () => {
    const { clock, raw, store, outage, counter, append } = setup();
    await append(3);
    const projector = startProjector(positions, store, { decode: anyEvent, clock });
    const statuses: ProjectorStatus[] = [];
    projector.status$.subscribe((s) => statuses.push(s));
    expect(await projector.waitForPosition(2n)).toEqual([0, 1, 2]);
    const states: number[][] = [];
    projector.state$.subscribe((s) => states.push(s));

    const lost = new Error('connection lost');
    outage.next(lost);
    expect(projector.status()).toEqual({ kind: 'retrying', position: 2n, error: lost, retryInMs: 100 });
    let reached: number[] | undefined;
    void projector.waitForPosition(4n).then((s) => (reached = s));
    await append(2); // appended while the projector is not subscribed
    clock.increment(99);
    await settle();
    expect(counter.subscriptions).toBe(1);
    expect(reached).toBeUndefined();
    expect(projector.get()).toEqual([0, 1, 2]);

    clock.increment(1);
    expect(counter.from).toEqual([undefined, 2n]); // exclusive: from the position applied
    await settle();
    expect(reached).toEqual([0, 1, 2, 3, 4]);
    await append(1);
    await settle();
    expect(projector.get()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(states).toEqual([[0, 1, 2], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5]]);
    expect(statuses.map((s) => s.kind)).toContain('retrying');
    expect(projector.status()).toEqual({ kind: 'running', position: 5n });
    await projector.stop();
    await raw.close();
  });

  it('status is running again once resubscribed, even when nothing new is delivered', async () => {
    const { clock, raw, store, outage, append } = setup();
    await append(1);
    const projector = startProjector(positions, store, { decode: anyEvent, clock });
    await projector.waitForPosition(0n);
    outage.next(new Error('down'));
    expect(projector.status().kind).toBe('retrying');
    clock.increment(100);
    expect(projector.status()).toEqual({ kind: 'running', position: 0n });
    await projector.stop();
    await raw.close();
  });

  it('delays double while it keeps failing and start over once it delivers; a closed store fails it', async () => {
    const { clock, raw, store, outage, counter, append } = setup();
    const projector = startProjector(positions, store, { decode: anyEvent, clock });
    for (const [i, delay] of [100, 200, 400, 800].entries()) {
      outage.next(new Error('down'));
      expect(projector.status()).toMatchObject({ kind: 'retrying', retryInMs: delay });
      clock.increment(delay);
      expect(counter.subscriptions).toBe(i + 2);
    }
    await append(1);
    await projector.waitForPosition(0n);
    outage.next(new Error('down'));
    expect(projector.status()).toMatchObject({ kind: 'retrying', retryInMs: 100 }); // the delivery reset the backoff
    clock.increment(100);

    const closed = new StoreClosedError('memory:');
    outage.next(closed);
    expect(projector.status()).toEqual({ kind: 'failed', position: 0n, error: closed });
    expect(clock.pendingTimers()).toBe(0);
    clock.increment(10_000);
    expect(counter.subscriptions).toBe(6);
    await raw.close();
  });

  it('stop() cancels a pending resubscription', async () => {
    const { clock, raw, store, outage, counter } = setup();
    const projector = startProjector(positions, store, { decode: anyEvent, clock });
    outage.next(new Error('down'));
    expect(clock.pendingTimers()).toBe(1);
    await projector.stop();
    expect(projector.status()).toEqual({ kind: 'stopped', position: -1n });
    expect(clock.pendingTimers()).toBe(0);
    clock.increment(10_000);
    expect(counter.subscriptions).toBe(1);
    await raw.close();
  });

  it('a projection error (evolve or decode throwing) still fails it, without a retry', async () => {
    for (const failing of ['evolve', 'decode'] as const) {
      const { clock, raw, store, counter, append } = setup();
      await append(2);
      await append(1, { poison: true });
      const decode = (e: RecordedEvent): RecordedFact => {
        if (failing === 'decode' && (e.data as { poison?: boolean }).poison) throw new Error('undecodable');
        return anyEvent(e);
      };
      const projector = startProjector(positions, store, { decode, clock });
      const err = await projector.waitForPosition(2n).catch((e: unknown) => e);
      expect(isProjectionError(err), failing).toBe(true);
      expect(projector.status()).toMatchObject({ kind: 'failed', position: 1n });
      expect(clock.pendingTimers()).toBe(0);
      expect(counter.subscriptions).toBe(1);
      await raw.close();
    }
  });

  it('persisted: saves go on after a retry, each position saved once, in order', async () => {
    const { clock, raw, store, outage, append } = setup();
    const rows = createInMemoryProjectionStore();
    const saved: bigint[] = [];
    const save = rows.save.bind(rows);
    rows.save = async (record) => {
      saved.push(record.position);
      await save(record);
    };
    await append(2);
    const projector = await startPersistedProjector(positions, store, rows, { decode: anyEvent, clock });
    await projector.waitForPosition(1n);
    await append(1);
    await projector.waitForPosition(2n);
    outage.next(new Error('down'));
    await append(2);
    clock.increment(100);
    await projector.waitForPosition(4n);
    await append(1);
    await projector.waitForPosition(5n);
    await projector.stop();
    expect(saved).toEqual([1n, 2n, 4n, 5n]);
    expect((await rows.load('positions'))?.state).toEqual([0, 1, 2, 3, 4, 5]);
    await raw.close();
  });
});
