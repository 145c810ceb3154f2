/**
 * Shared helpers of the contract suite: opening stores per test, building events, draining async
 * iterables, and watching subscriptions without wall-clock assertions.
 */
import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import { afterEach } from 'vitest';
import type { EventData, EventStore, RecordedEvent } from '../../../src/store/event-store.ts';
import type { StoreFactory, StoreFactoryOptions, StoreHandle } from './index.ts';

/**
 * Registers an `afterEach` tearing down every store opened in the test and returns `open(opts)`,
 * which creates a fresh store through `factory` and returns its handle.
 */
export function useStores(factory: StoreFactory): (opts?: StoreFactoryOptions) => Promise<StoreHandle> {
  const handles: StoreHandle[] = [];
  afterEach(async () => {
    const all = handles.splice(0);
    for (const h of all) await h.teardown();
  });
  return async (opts) => {
    const h = await factory(opts);
    handles.push(h);
    return h;
  };
}

/**
 * A `StoreHandle` whose first store is `openOne(opts)`; `reopen` opens more through `openOne`;
 * `teardown` closes them all, then runs `removeData` (delete the file, drop the schema).
 */
export function trackedHandle<S extends EventStore>(
  openOne: (opts: StoreFactoryOptions) => S,
  opts: StoreFactoryOptions,
  removeData: () => Promise<unknown> | unknown,
): StoreHandle {
  const opened: S[] = [];
  const track = (o: StoreFactoryOptions): S => {
    const store = openOne(o);
    opened.push(store);
    return store;
  };
  return {
    store: track(opts),
    reopen: async (o = {}) => track(o),
    teardown: async () => {
      for (const s of opened) await s.close();
      await removeData();
    },
  };
}

/** A new random UUID (event id). */
export const uuid = (): string => randomUUID();

/** A raw (non-fact) event for `rawCodec` stores: type `Test` (or `type`), data `{ n }` plus `extra`. */
export function rawEvent(n: number, extra: Record<string, unknown> = {}, type = 'Test'): EventData {
  return { id: uuid(), type, data: { n, ...extra } };
}

/** `count` raw events numbered from `from`. */
export function rawEvents(count: number, from = 0): EventData[] {
  return Array.from({ length: count }, (_, i) => rawEvent(from + i));
}

/** A valid `InputReceived` fact (fact codec). */
export function inputReceived(inputId: string, text = 'hello'): EventData {
  return { id: uuid(), type: 'InputReceived', data: { inputId, text } };
}

/** A valid `ThreadOpened` fact (fact codec); `maxIterations` left to its default. */
export function threadOpened(threadId: string): EventData {
  return { id: uuid(), type: 'ThreadOpened', data: { threadId, policy: { kind: 'enqueue' } } };
}

/**
 * Drains an async iterable into an array. An `async` function, so an adapter that throws
 * synchronously from `readStream`/`readAll` is seen as a rejection too.
 */
export async function collect<T>(iterable: () => AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable()) out.push(item);
  return out;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** What a subscription delivered so far. */
export interface Watch {
  events: RecordedEvent[];
  error: unknown;
  completed: boolean;
  stop(): void;
}

/** Subscribes and records every notification. */
export function watch(observable: Observable<RecordedEvent>): Watch {
  const w: Watch = { events: [], error: undefined, completed: false, stop: () => sub.unsubscribe() };
  const sub = observable.subscribe({
    next: (e) => w.events.push(e),
    error: (err: unknown) => {
      w.error = err;
    },
    complete: () => {
      w.completed = true;
    },
  });
  return w;
}

/**
 * Yields to the event loop until `condition()` holds; throws with `what` after `maxTurns` turns
 * (a hang guard, not a timing assertion: adapters that poll get ample turns).
 */
export async function until(condition: () => boolean, what: string, maxTurns = 5000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, turn < 50 ? 0 : 2));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Ids of events, for order comparisons. */
export const ids = (events: readonly { id: string }[]): string[] => events.map((e) => e.id);
