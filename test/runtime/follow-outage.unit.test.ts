/**
 * An owner whose log follower lost its subscription (a failed scan, a lost connection) still hears
 * the commands other runtimes append: the follower subscribes again after its delay and folds what
 * was appended during the outage. Without it a cancel sent from another process would never reach
 * the owner's running step.
 */
import { describe, expect, it } from 'vitest';
import { Observable, Subject } from 'rxjs';
import { SimulatedClock } from '../../src/core/clock.ts';
import { createMemoryLeaseTable, getMemoryLeaseStore } from '../../src/ownership/memory-leases.ts';
import { processIdentity } from '../../src/ownership/identity.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { BACKOFF_FIRST_MS as FOLLOW_RETRY_FIRST_MS } from '../../src/core/backoff.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';
import { harness, planOf, readThread, testActions, until } from './runtime-fixtures.ts';

const script = (req: PlanningRequest) =>
  req.observations.length === 0 ? planOf([{ id: 'a', action: 't.gate', input: { label: req.input } }]) : ({ kind: 'done', answer: req.input } as const);

/** Wraps `store` so that every open head watch errors when `outage` emits. */
const failingWatches = (outage: Subject<void>) => (store: EventStore): EventStore => {
  const watch = store.watchStreamHead!.bind(store);
  return Object.assign(Object.create(store) as EventStore, {
    watchStreamHead: (streamId: string, options?: { afterRevision?: bigint }) =>
      new Observable<bigint>((subscriber) => {
        const heads = watch(streamId, options).subscribe(subscriber);
        const failure = outage.subscribe(() => subscriber.error(new Error('connection lost')));
        return () => {
          heads.unsubscribe();
          failure.unsubscribe();
        };
      }),
  });
};

describe('log following through an outage', () => {
  it('a cancel appended by another runtime while the owner was not following reaches its running step', async () => {
    const log = createInMemoryLog();
    const clock = new SimulatedClock();
    const table = createMemoryLeaseTable();
    const outage = new Subject<void>();
    const make = (seed: number, wrapStore?: (s: EventStore) => EventStore) =>
      harness({
        log,
        clock,
        seed,
        script,
        actions: testActions(),
        leases: getMemoryLeaseStore({ table, clock }),
        ownership: { identity: { ...processIdentity(), id: `rt${seed}` }, ttlMs: 60_000, heartbeatMs: 20_000, retryMs: 1000 },
        ...(wrapStore ? { wrapStore } : {}),
      });
    const owner = make(1, failingWatches(outage));
    const other = make(2);
    await owner.rt.openThread({ threadId: 't', input: { text: 'one' } });
    await until(() => owner.gate.pending.size === 1);
    await other.rt.load('t');
    expect(other.rt.owner('t').owned).toBe(false);

    outage.next();
    await other.rt.cancel('t', { reason: 'stop' });
    const head = (await readThread(other.store, 't')).at(-1)!.revision;
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(owner.rt.state('t').revision).toBeLessThan(head); // not following: the cancel is not seen
    expect(owner.gate.pending.size).toBe(1);

    clock.increment(FOLLOW_RETRY_FIRST_MS);
    await until(() => owner.gate.pending.size === 0); // the owner folded the cancel and aborted the run
    const settled = await owner.rt.whenSettled('t');
    expect(settled.live).toEqual([]);
    const types = (await readThread(owner.store, 't')).map((e) => e.type);
    expect(types).toContain('InteractionCancelled');
    await owner.rt.close();
    await other.rt.close();
  });
});
