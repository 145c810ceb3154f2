/**
 * Decoding what a store returns for a thread's stream into facts. The store's codec has already
 * validated and upcast each event's `data` (an unknown type or an invalid payload is an
 * `EventDecodeError` there); these functions only narrow the event's type to a fact's.
 */
import type { Fact, RecordedFact } from '../facts/fact-types.ts';
import { isFactType } from '../facts/fact-names.ts';
import type { RecordedEvent } from '../store/event-store.ts';
import { IllegalTransitionError } from './errors.ts';

/**
 * A stored event as a recorded fact (envelope included), or `undefined` when its type is not a fact
 * type (projections and views pass such an event over; its position is still consumed).
 */
export function recordedFactOf(event: RecordedEvent): RecordedFact | undefined {
  return isFactType(event.type) ? (event as RecordedFact) : undefined;
}

/**
 * A stored event of `threadId`'s stream as the fact the machines fold (`{ type, data }`, no envelope).
 * @throws IllegalTransitionError (actor `none`, state `unknown fact type`) when the type is not a
 *   fact type: the fold cannot pass a fact over without changing the state it rebuilds.
 */
export function factOf(threadId: string, event: RecordedEvent): Fact {
  if (!isFactType(event.type)) throw new IllegalTransitionError(threadId, event.revision, event.type, 'none', 'unknown fact type');
  return { type: event.type, data: event.data } as Fact;
}
