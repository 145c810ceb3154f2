/**
 * One owner per thread: runtimes sharing a log and a lease table. Only the lease holder runs
 * planner calls and step attempts; the others append their commands' facts and follow the log;
 * a runtime in `append` mode (no planner) never records a failure for lack of one; the follower
 * takes over when the owner ends; an owner that loses its lease aborts its runs and records nothing;
 * an owner whose log watch failed subscribes again and folds what was appended meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { Observable, Subject } from 'rxjs';
import { SimulatedClock } from '../../src/core/clock.ts';
import { createMemoryLeaseTable, getMemoryLeaseStore, type MemoryLeaseTable } from '../../src/ownership/memory-leases.ts';
import { processIdentity } from '../../src/ownership/identity.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { BACKOFF_FIRST_MS } from '../../src/core/backoff.ts';
import { assertNoDuplicates, harness, planOf, readThread, testActions, until } from './runtime-fixtures.ts';

/** One gated step per input, then done. */
const script = (req: PlanningRequest) =>
  req.observations.length === 0 ? planOf([{ id: 'a', action: 't.gate', input: { label: req.input } }]) : ({ kind: 'done', answer: req.input } as const);

function pair(table: MemoryLeaseTable = createMemoryLeaseTable()) {
  const log = createInMemoryLog();
  const clock = new SimulatedClock();
  const make = (seed: number, mode: 'own' | 'append' = 'own', wrapStore?: (store: EventStore) => EventStore) =>
    harness({
      log,
      clock,
      seed,
      script,
      actions: testActions(),
      leases: getMemoryLeaseStore({ table, clock }),
      ownership: { mode, identity: { ...processIdentity(), id: `rt${seed}` }, ttlMs: 9000, heartbeatMs: 3000, retryMs: 1000 },
      ...(wrapStore ? { wrapStore } : {}),
    });
  return { log, clock, table, make };
}

/** Wraps `store` so that every open head watch errors when `outage` emits (a failed scan, a lost connection). */
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

const types = async (h: ReturnType<ReturnType<typeof pair>['make']>) => (await readThread(h.store, 't')).map((e) => e.type);

describe('one owner per thread', () => {
  it('only the lease holder runs step attempts; a second runtime follows the log to the end', async () => {
    const { make } = pair();
    const a = make(1);
    const b = make(2);
    await a.rt.openThread({ threadId: 't', input: { text: 'one' } });
    expect(a.rt.owner('t').owned).toBe(true);
    await until(() => a.gate.pending.size === 1);
    await b.rt.load('t');
    expect(b.rt.owner('t')).toMatchObject({ owned: false, holder: { id: 'rt1' } });
    await b.rt.whenIdle('t');
    expect(b.gate.pending.size).toBe(0);
    expect(b.counters.calls).toEqual({});
    expect(b.planner.calls).toBe(0);
    // a command of the follower is appended and reaches the owner
    const sent = await b.rt.send('t', 'two');
    expect(sent.decision).toBe('enqueue');
    for (const k of [...a.gate.pending.keys()]) a.gate.release(k);
    await until(() => a.gate.pending.size === 1); // the queued input's step, run by the owner again
    for (const k of [...a.gate.pending.keys()]) a.gate.release(k);
    const settled = await b.rt.whenSettled('t');
    expect(settled.live).toEqual([]);
    expect(b.counters.calls).toEqual({});
    expect(a.counters.calls).toEqual({ 't.gate': 2 });
    const events = await readThread(a.store, 't');
    assertNoDuplicates(events);
    expect(events.filter((e) => e.type === 'InteractionCompleted')).toHaveLength(2);
    await Promise.all([a.rt.close(), b.rt.close()]);
  });

  it('a runtime in append mode without a planner records inputs, never a planner failure; the owner plans them', async () => {
    const { make } = pair();
    const c = make(3, 'append');
    // no owner at all: the input and what follows purely wait in the log
    await c.rt.openThread({ threadId: 't', input: { text: 'queued' } });
    await c.rt.whenIdle('t');
    expect(await types(c)).toEqual(['ThreadOpened', 'InputReceived', 'PolicyApplied', 'InteractionStarted', 'PlanningRequested']);
    expect(c.planner.calls).toBe(0);
    const a = make(1);
    await a.rt.load('t');
    await until(() => a.gate.pending.size === 1);
    const sent = await c.rt.send('t', 'later');
    expect(sent.decision).toBe('enqueue');
    await c.rt.approve('t', 'a', { by: 'x' }).catch(() => undefined); // nothing to approve: refused, nothing appended
    for (let i = 0; i < 2; i++) {
      await until(() => a.gate.pending.size === 1);
      for (const k of [...a.gate.pending.keys()]) a.gate.release(k);
    }
    const done = await a.rt.whenSettled('t');
    expect(done.live).toEqual([]);
    const all = await types(a);
    expect(all.filter((t) => t === 'InteractionCompleted')).toHaveLength(2);
    expect(all).not.toContain('PlannerFailed');
    expect(all).not.toContain('InteractionFailed');
    expect(c.planner.calls + c.counters.keys.length).toBe(0);
    await Promise.all([a.rt.close(), c.rt.close()]);
  });

  it('when the owner ends, the follower takes the lease over and runs the started attempt again (same key)', async () => {
    const { make, clock } = pair();
    const a = make(1);
    const b = make(2);
    await a.rt.openThread({ threadId: 't', input: { text: 'one' } });
    await until(() => a.gate.pending.size === 1);
    const key = [...a.gate.pending.keys()][0]!;
    await b.rt.load('t');
    await a.rt.close(); // releases the lease; its aborted run records nothing
    expect(b.gate.pending.size).toBe(0);
    clock.increment(1000); // b's takeover attempt
    await until(() => b.gate.pending.size === 1);
    expect(b.rt.owner('t').owned).toBe(true);
    expect([...b.gate.pending.keys()]).toEqual([key]);
    b.gate.release(key);
    const done = await b.rt.whenSettled('t');
    expect(done.live).toEqual([]);
    const events = await readThread(b.store, 't');
    assertNoDuplicates(events);
    expect(events.map((e) => e.type)).not.toContain('StepFailed');
    await b.rt.close();
  });

  it('an owner that loses its lease aborts its runs, records nothing of them, and stops running effects', async () => {
    const table = createMemoryLeaseTable();
    const { make, clock } = pair(table);
    const a = make(1);
    await a.rt.openThread({ threadId: 't', input: { text: 'one' } });
    await until(() => a.gate.pending.size === 1);
    const before = (await types(a)).length;
    // another holder takes the thread (as after an expiry the owner did not notice)
    table.set('t', { ...processIdentity(), id: 'intruder', acquiredAtMs: clock.now(), expiresAtMs: clock.now() + 60_000 });
    clock.increment(3000); // heartbeat: the renewal finds the lease taken
    await until(() => !a.rt.owner('t').owned);
    await until(() => a.gate.pending.size === 0);
    await a.rt.whenIdle('t');
    expect((await types(a)).length).toBe(before);
    clock.increment(1000); // a keeps trying to take it back, and sees who holds it
    await until(() => a.rt.owner('t').holder?.id === 'intruder');
    expect(a.gate.pending.size).toBe(0);
    await a.rt.close();
  });

  it('openThread with a first input appends ThreadOpened and the input in one append', async () => {
    const { make } = pair();
    const c = make(3, 'append');
    const opened = await c.rt.openThread({ threadId: 't', input: { text: 'first', inputId: 'in-1' } });
    expect(opened.sent).toMatchObject({ inputId: 'in-1', decision: 'start', interactionId: 'i1' });
    const events = await readThread(c.store, 't');
    // one append: consecutive positions, and only its last fact carries the snapshot hash
    expect(events.map((e) => e.position)).toEqual(events.map((_, i) => events[0]!.position + BigInt(i)));
    expect(events.map((e) => e.metadata.snapshotHash !== undefined)).toEqual(events.map((_, i) => i === events.length - 1));
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(['ThreadOpened', 'InputReceived']);
    await c.rt.close();
  });

  it('a lease call that fails (here: renewal, disk full) stops the runner: waiters hear the cause', async () => {
    const table = createMemoryLeaseTable();
    const clock = new SimulatedClock();
    const inner = getMemoryLeaseStore({ table, clock });
    const failing = { ...inner, renew: () => Promise.reject(new Error('disk full writing leases (SQLITE_FULL)')) };
    const h = harness({ clock, script, actions: testActions(), leases: failing, ownership: { ttlMs: 9000, heartbeatMs: 3000 } });
    await h.rt.openThread({ threadId: 't', input: { text: 'one' } });
    await until(() => h.gate.pending.size === 1);
    const settled = h.rt.whenSettled('t').then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    );
    clock.increment(3000);
    const err = await settled;
    expect(err).toMatchObject({ code: 'THREAD_STOPPED' });
    expect(err?.message).toMatch(/disk full writing leases \(SQLITE_FULL\)/);
    expect(h.gate.pending.size).toBe(0); // its run was aborted
    await h.rt.close();
  });
  it('an owner whose log watch failed folds, after the retry delay, a cancel another runtime appended meanwhile', async () => {
    const { make } = pair();
    const outage = new Subject<void>();
    const owner = make(1, 'own', failingWatches(outage));
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
    owner.clock.increment(BACKOFF_FIRST_MS);
    await until(() => owner.gate.pending.size === 0); // the owner folded the cancel and aborted the run
    expect((await owner.rt.whenSettled('t')).live).toEqual([]);
    expect(await types(owner)).toContain('InteractionCancelled');
  });
});
