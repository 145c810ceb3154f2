/**
 * An event store whose `subscribeToAll` subscriptions fail on demand, for tests of consumers that
 * subscribe again after an error: every subscription open when `outage` emits errors with the value
 * emitted. Counts the subscriptions and records the `fromPosition` each asked for.
 */
import { Observable, type Subject } from 'rxjs';
import type { EventStore } from '../../src/store/event-store.ts';

/** What the wrapper saw: subscriptions opened, and the `fromPosition` of each (in order). */
export interface SubscriptionCounter {
  subscriptions: number;
  from: Array<bigint | undefined>;
}

/** `store` with each open `subscribeToAll` erroring with what `outage` emits (other methods unchanged). */
export function failingSubscriptions(store: EventStore, outage: Subject<unknown>): { store: EventStore; counter: SubscriptionCounter } {
  const counter: SubscriptionCounter = { subscriptions: 0, from: [] };
  const subscribeToAll = store.subscribeToAll.bind(store);
  const wrapped = Object.assign(Object.create(store) as EventStore, {
    subscribeToAll: (options?: Parameters<EventStore['subscribeToAll']>[0]) =>
      new Observable<never>((subscriber) => {
        counter.subscriptions++;
        counter.from.push(options?.fromPosition);
        const events = subscribeToAll(options).subscribe(subscriber as never);
        const failure = outage.subscribe((err) => subscriber.error(err));
        return () => {
          events.unsubscribe();
          failure.unsubscribe();
        };
      }),
  });
  return { store: wrapped, counter };
}
