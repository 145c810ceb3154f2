/**
 * A failed append (the store throws: disk full, I/O) reaches the caller instead of vanishing: the
 * thread's runner stops with ThreadStoppedError (cause: the store's error), `whenSettled` rejects,
 * nothing of the failed batch is stored or acknowledged, and once the store writes again the thread
 * is rehydrated and finishes, the lost effect run again with the same idempotency key.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import type { EventData, EventStore } from '../../src/store/event-store.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { planOf, readThread, rejection, scriptedPlanner, testActions, until } from './runtime-fixtures.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const done = { kind: 'done', answer: 'ok' } as const;

/** An EventStore whose appends throw `failWith()`'s error while it returns one (writes pass otherwise). */
function faultyStore(inner: EventStore, failWith: (events: readonly EventData[]) => Error | undefined): EventStore & { attempts: number } {
  const store = Object.create(inner) as EventStore & { attempts: number };
  store.attempts = 0;
  store.appendToStream = async (streamId, events, options) => {
    const error = failWith(events);
    if (error) {
      store.attempts++;
      throw error;
    }
    return inner.appendToStream(streamId, events, options);
  };
  return store;
}

const diskFull = (): Error => Object.assign(new Error('disk full writing /tmp/x/events.db (SQLITE_FULL)'), { code: 'STORE_WRITE' });

function setup(failWhen: (events: readonly EventData[]) => boolean) {
  const clock = new SimulatedClock();
  const inner = getInMemoryEventStore({ codec: factCodec, clock, log: createInMemoryLog() });
  const fault = { on: true };
  const store = faultyStore(inner, (events) => (fault.on && failWhen(events) ? diskFull() : undefined));
  const actions = testActions();
  const planner = scriptedPlanner([planOf([{ id: 'a', action: 't.ok', input: { value: 1 } }]), done]);
  const rt = createRuntime({ store, actions: actions.registry, plannerFor: () => planner, clock, ids: sequentialIds(1) });
  return { fault, inner, store, actions, rt };
}

describe('an append that fails', () => {
  it("while recording an effect's result: whenSettled rejects with THREAD_STOPPED naming the cause; nothing of it stored; later the thread finishes", async () => {
    const h = setup((events) => events.some((e) => e.type === 'StepCompleted'));
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    const err = (await rejection(h.rt.whenSettled('t'))) as Error & { code: string; cause?: unknown };
    expect(err.code).toBe('THREAD_STOPPED');
    expect(err.message).toMatch(/^thread 't' stopped: disk full writing \/tmp\/x\/events\.db \(SQLITE_FULL\)/);
    expect(err.message.split('\n')).toHaveLength(1);
    expect((err.cause as { code?: string }).code).toBe('STORE_WRITE');
    expect(h.store.attempts).toBe(1);
    const stored = await readThread(h.inner, 't');
    expect(stored.some((e) => e.type === 'StepStarted')).toBe(true);
    expect(stored.some((e) => e.type === 'StepCompleted')).toBe(false);
    expect(h.actions.counters.calls['t.ok']).toBe(1);

    // The store writes again: the next use rehydrates the thread and re-runs the lost step once.
    h.fault.on = false;
    const s = await h.rt.whenSettled('t');
    expect(s.interactions.i1!.status).toBe('completed');
    expect(h.actions.counters.keys).toEqual(['t/i1/p1/a/1', 't/i1/p1/a/1']);
    const after = await readThread(h.inner, 't');
    expect(after.slice(0, stored.length).map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(after.filter((e) => e.type === 'StepCompleted')).toHaveLength(1);
    await h.rt.close();
  });

  it("while recording a command's facts: the command rejects with the cause, nothing acknowledged", async () => {
    const h = setup((events) => events.some((e) => e.type === 'InputReceived'));
    await h.rt.openThread({ threadId: 't' });
    const err = (await rejection(h.rt.send('t', 'go'))) as Error & { code: string; cause?: unknown };
    expect(err.code).toBe('THREAD_STOPPED');
    expect((err.cause as Error).message).toContain('SQLITE_FULL');
    expect((await readThread(h.inner, 't')).map((e) => e.type)).toEqual(['ThreadOpened']);
    h.fault.on = false;
    await h.rt.send('t', 'go');
    expect((await h.rt.whenSettled('t')).interactions.i1!.status).toBe('completed');
    await h.rt.close();
  });

  it('a waiter registered while the step runs is rejected, and running effects are aborted', async () => {
    const clock = new SimulatedClock();
    const inner = getInMemoryEventStore({ codec: factCodec, clock, log: createInMemoryLog() });
    const store = faultyStore(inner, (events) => (events.some((e) => e.type === 'StepProgressed') ? diskFull() : undefined));
    const actions = testActions();
    const planner = scriptedPlanner([planOf([{ id: 'g', action: 't.gate' }]), done]);
    const rt = createRuntime({ store, actions: actions.registry, plannerFor: () => planner, clock, ids: sequentialIds(1) });
    await rt.openThread({ threadId: 't' });
    await rt.send('t', 'go');
    const idle = rejection(rt.whenIdle('t'));
    await until(() => store.attempts > 0);
    expect(((await idle) as { code: string }).code).toBe('THREAD_STOPPED');
    expect(actions.gate.pending.size).toBe(0); // the gate saw its abort signal
    await rt.close();
  });
});
