/**
 * The SSE fact hub through failed subscriptions: it reports each error with its delay and subscribes
 * again from the last position it delivered after 100 ms doubling to 5 s, so its listeners see every
 * event once, in order, across an outage; a closed store or `stop()` ends it. In-memory store whose
 * subscriptions fail on demand, simulated clock.
 */
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { startFactHub } from '../../src/serve/fact-hub.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { StoreClosedError } from '../../src/store/errors.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { failingSubscriptions } from '../support/failing-subscriptions.ts';

/** Lets the store's reads (promises) deliver. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function setup(fromPosition = -1n) {
  const clock = new SimulatedClock();
  const raw = getInMemoryEventStore({ codec: rawCodec, clock });
  const outage = new Subject<unknown>();
  const { store, counter } = failingSubscriptions(raw, outage);
  const errors: Array<{ message: string; retryInMs: number | undefined }> = [];
  const hub = startFactHub(store, fromPosition, (err, retryInMs) => errors.push({ message: (err as Error).message, retryInMs }), clock);
  const seen: bigint[] = [];
  hub.attach((e) => seen.push(e.position));
  const append = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await raw.appendToStream('s', [{ id: randomUUID(), type: 'Note', data: { i } }]);
  };
  return { clock, raw, outage, counter, errors, hub, seen, append };
}

describe('fact hub subscription errors', () => {
  it('subscribes again from the last position delivered: listeners see every event once, in order, across the outage', async () => {
    const { clock, raw, outage, counter, errors, hub, seen, append } = setup();
    await append(3);
    await settle();
    expect(seen).toEqual([0n, 1n, 2n]);
    const late: bigint[] = [];
    hub.attach((e) => late.push(e.position)); // attached before the outage, stays attached through it

    outage.next(new Error('connection lost'));
    expect(errors).toEqual([{ message: 'connection lost', retryInMs: 100 }]);
    await append(2); // appended while the hub is not subscribed
    clock.increment(99);
    await settle();
    expect(counter.subscriptions).toBe(1);
    expect(seen).toEqual([0n, 1n, 2n]);

    clock.increment(1);
    expect(counter.subscriptions).toBe(2);
    expect(counter.from).toEqual([-1n, 2n]); // exclusive: from the last position delivered
    await settle();
    expect(seen).toEqual([0n, 1n, 2n, 3n, 4n]);
    await append(1);
    await settle();
    expect(seen).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    expect(late).toEqual([3n, 4n, 5n]);
    expect(hub.position()).toBe(5n);
    hub.stop();
    await raw.close();
  });

  it('delays double while it keeps failing and start over once it delivers; a closed store ends it', async () => {
    const { clock, raw, outage, counter, errors, hub, seen, append } = setup();
    for (const [i, delay] of [100, 200, 400, 800].entries()) {
      outage.next(new Error('down'));
      expect(errors.at(-1)).toEqual({ message: 'down', retryInMs: delay });
      clock.increment(delay);
      expect(counter.subscriptions).toBe(i + 2);
    }
    await append(1);
    await settle();
    expect(seen).toEqual([0n]);
    outage.next(new Error('down'));
    expect(errors.at(-1)?.retryInMs).toBe(100); // the delivery reset the backoff
    clock.increment(100);
    expect(counter.subscriptions).toBe(6);

    const closed = new StoreClosedError('memory:');
    outage.next(closed);
    expect(errors.at(-1)).toEqual({ message: closed.message, retryInMs: undefined });
    expect(clock.pendingTimers()).toBe(0);
    clock.increment(10_000);
    expect(counter.subscriptions).toBe(6);
    hub.stop();
    await raw.close();
  });

  it('stop() cancels a pending resubscription', async () => {
    const { clock, raw, outage, counter, hub } = setup();
    outage.next(new Error('down'));
    expect(clock.pendingTimers()).toBe(1);
    hub.stop();
    expect(clock.pendingTimers()).toBe(0);
    clock.increment(10_000);
    expect(counter.subscriptions).toBe(1);
    await raw.close();
  });
});
