/**
 * What the runtime hands out about a thread: its view (status, policy, live interactions, queue,
 * budget ...) plus the committed revision and every interaction's view: plain data, never the
 * machines' snapshots. The folded state a summary was made from is reachable inside the package
 * through `summaryState` (views and replay comparisons), not through the summary's fields.
 */
import type { ThreadState } from '../history/fold/thread-state.ts';
import { interactionView, threadView, type InteractionView, type ThreadView } from '../history/fold/views.ts';

/** A thread's committed state as plain data. */
export type ThreadSummary = ThreadView & {
  /** Last appended revision (-1n before the first fact). */
  revision: bigint;
  /** Every interaction of the thread, by id, in start order. */
  interactions: Record<string, InteractionView>;
};

const cache = new WeakMap<ThreadState, ThreadSummary>();
const states = new WeakMap<ThreadSummary, ThreadState>();

/**
 * The folded state `summary` was made from (for views built from the machines' snapshots and for
 * replay comparisons).
 * @throws TypeError `summary` was not made by `threadSummary` (e.g. a copy).
 */
export function summaryState(summary: ThreadSummary): ThreadState {
  const state = states.get(summary);
  if (!state) throw new TypeError('summaryState: not a summary made by the runtime (copies lose their state)');
  return state;
}

/** The summary of `state` (memoised per state object). */
export function threadSummary(state: ThreadState): ThreadSummary {
  const known = cache.get(state);
  if (known) return known;
  const interactions: Record<string, InteractionView> = {};
  for (const id of Object.keys(state.interactions)) interactions[id] = interactionView(state, id);
  const summary: ThreadSummary = { ...threadView(state), revision: state.revision, interactions };
  cache.set(state, summary);
  states.set(summary, state);
  return summary;
}
