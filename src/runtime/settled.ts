/**
 * When a thread is "settled": nothing runnable is left without an outside event (a person, a new
 * input, or — for retry backoffs — time). Used by `whenSettled`.
 */
import type { ThreadState } from '../history/fold/thread-state.ts';
import { interactionView, threadView, type ThreadView } from '../history/fold/views.ts';

/** Interaction statuses that wait for someone: settled as far as the runtime is concerned. */
export const WAITING_STATUSES: ReadonlySet<string> = new Set(['waiting_input', 'waiting_approval', 'interrupted']);

/**
 * True when every live interaction of `state` waits for a person (`waiting_input`,
 * `waiting_approval`, `interrupted`) — completed, failed and cancelled ones are not live. The caller
 * also checks that no message or effect is in flight.
 * @param view `threadView(state)` when the caller has it (default: built here).
 */
export function isSettledState(state: ThreadState, view: ThreadView = threadView(state)): boolean {
  return view.live.every((id) => WAITING_STATUSES.has(interactionView(state, id).status));
}
