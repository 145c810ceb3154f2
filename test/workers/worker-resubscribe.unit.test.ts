/**
 * A worker whose log subscription fails (a lost connection) reports it and subscribes again from
 * the last position its index applied, after 100 ms doubling to 5 s: a thread that became runnable
 * during the outage is claimed and run once the store answers. In-memory store, simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { SimulatedClock } from '../../src/core/clock.ts';
import { BACKOFF_FIRST_MS } from '../../src/core/backoff.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { createMemoryLeaseTable, getMemoryLeaseStore } from '../../src/ownership/memory-leases.ts';
import { processIdentity } from '../../src/ownership/identity.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { StoreClosedError } from '../../src/store/errors.ts';
import { scriptedPlanner } from '../../src/testing/scripted-planner.ts';
import { startWorker } from '../../src/worker/worker.ts';
import { testActions, until } from '../runtime/runtime-fixtures.ts';
import { failingSubscriptions } from '../support/failing-subscriptions.ts';

async function setup() {
  const clock = new SimulatedClock();
  const log = createInMemoryLog();
  const table = createMemoryLeaseTable();
  const outage = new Subject<unknown>();
  const { store, counter } = failingSubscriptions(getInMemoryEventStore({ codec: factCodec, clock, log }), outage);
  const acts = testActions();
  const events: Array<{ type: string; threadId: string; detail?: string }> = [];
  const identity = { ...processIdentity(), id: 'w1' };
  const leases = getMemoryLeaseStore({ table, clock });
  // a process that only appends (as `send --no-wait` does): a thread with an input, nobody running it
  const writer = createRuntime({
    store: getInMemoryEventStore({ codec: factCodec, clock, log }),
    actions: acts.registry,
    plannerFor: () => scriptedPlanner([]),
    clock,
    ids: sequentialIds(7),
    leases,
    ownership: { mode: 'append', identity: { ...processIdentity(), id: 'writer' } },
  });
  await writer.openThread({ threadId: 'x' }); // the log is not empty when the worker starts
  const worker = startWorker({
    store,
    leases,
    identity,
    clock,
    actions: acts.registry,
    pollMs: 1000,
    runtimeFor: async () =>
      createRuntime({ store, actions: acts.registry, plannerFor: () => scriptedPlanner([{ kind: 'done', answer: 'ok' }]), clock, leases, ownership: { identity } }),
    onEvent: (e) => events.push(e),
  });
  return { clock, outage, counter, worker, writer, events };
}

describe('worker log subscription', () => {
  it('a failed subscription is reported and opened again; a thread opened meanwhile is run', async () => {
    const { clock, outage, counter, worker, writer, events } = await setup();
    await worker.ready;
    expect(counter.subscriptions).toBe(1);
    outage.next(new Error('connection lost'));
    expect(events).toContainEqual({ type: 'error', threadId: '*', detail: `log subscription failed (connection lost); subscribing again in ${BACKOFF_FIRST_MS} ms` });

    expect(counter.from[0]).toBeTypeOf('bigint');
    const before = counter.from[0];
    await writer.openThread({ threadId: 't', input: { text: 'hello' } });
    clock.increment(BACKOFF_FIRST_MS - 1);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(counter.subscriptions).toBe(1);
    expect(events.filter((e) => e.type === 'claimed')).toEqual([]); // the index has not seen the thread

    clock.increment(1);
    expect(counter.subscriptions).toBe(2);
    expect(counter.from[1]).toBe(before); // from the last position applied: what the writer appended is read
    await until(() => events.some((e) => e.type === 'released' && e.threadId === 't'));
    expect(events.filter((e) => e.type === 'claimed').map((e) => e.threadId)).toEqual(['t']);
    await worker.stop();
    await writer.close();
  });

  it('delays double while it keeps failing; a closed store or stop() ends the retries', async () => {
    const { clock, outage, counter, worker, writer, events } = await setup();
    await worker.ready;
    for (const [i, delay] of [100, 200, 400].entries()) {
      outage.next(new Error('connection lost'));
      expect(events.at(-1)?.detail).toContain(`subscribing again in ${delay} ms`);
      clock.increment(delay);
      expect(counter.subscriptions).toBe(i + 2);
    }
    outage.next(new StoreClosedError('memory:'));
    clock.increment(10_000);
    expect(counter.subscriptions).toBe(4);
    await worker.stop();
    await writer.close();

    const second = await setup();
    await second.worker.ready;
    second.outage.next(new Error('connection lost'));
    await second.worker.stop();
    await second.writer.close();
    expect(second.clock.pendingTimers()).toBe(0); // the resubscription's timer is cleared
    second.clock.increment(10_000);
    expect(second.counter.subscriptions).toBe(1);
  });
});
