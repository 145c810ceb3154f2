/**
 * What the runtime hands out about a thread: its view (status, policy, live interactions, queue,
 * budget ...) plus the committed revision, every interaction's view and the raw folded state.
 */
import type { ThreadState } from '../history/fold/thread-state.ts';
import { interactionView, threadView, type InteractionView, type ThreadView } from '../history/fold/views.ts';

/** A thread's committed state as plain data (`state` is the raw fold, for replay comparisons). */
export type ThreadSummary = ThreadView & {
  /** Last appended revision (-1n before the first fact). */
  revision: bigint;
  /** Every interaction of the thread, by id, in start order. */
  interactions: Record<string, InteractionView>;
  state: ThreadState;
};

const cache = new WeakMap<ThreadState, ThreadSummary>();

/** The summary of `state` (memoised per state object). */
export function threadSummary(state: ThreadState): ThreadSummary {
  const known = cache.get(state);
  if (known) return known;
  const interactions: Record<string, InteractionView> = {};
  for (const id of Object.keys(state.interactions)) interactions[id] = interactionView(state, id);
  const summary: ThreadSummary = { ...threadView(state), revision: state.revision, interactions, state };
  cache.set(state, summary);
  return summary;
}
