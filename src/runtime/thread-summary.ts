/**
 * What the runtime hands out about a thread: its view (status, policy, live interactions, queue,
 * budget ...) plus the committed revision and every interaction's view (made on first read): plain data, never the
 * machines' snapshots. The folded state a summary was made from is reachable inside the package
 * through `summaryState` (views and replay comparisons), not through the summary's fields.
 */
import { recordKeys } from '../history/fold/step-table.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import { defined, lazy } from '../history/fold/view-props.ts';
import { interactionView, threadView, type InteractionView, type ThreadView } from '../history/fold/views.ts';

/** A thread's committed state as plain data. */
export type ThreadSummary = ThreadView & {
  /** Last appended revision (-1n before the first fact). */
  revision: bigint;
  /**
   * Every interaction of the thread, by id, in start order: enumerable getters, each view made on
   * its first read (then the same object), so a summary of a thread of thousands of interactions
   * restored from the snapshot cache makes (and decodes) only the interactions read.
   */
  interactions: Record<string, InteractionView>;
};

/** One interaction's view in a summary, made on first read. */
interface ViewSource {
  state: ThreadState;
  id: string;
  view?: InteractionView;
}
const viewOf = (s: ViewSource): InteractionView => (s.view ??= interactionView(s.state, s.id));

/**
 * A state's summary and a summary's state, each held by the other in a non-enumerable property (not
 * copied by a spread, not in JSON). Not two WeakMaps (state → summary, summary → state): V8's
 * young-generation collections keep a WeakMap entry's value alive whatever its key, so that pair of
 * entries would keep every summarised state (one per commit for a `state$` subscriber) alive until
 * a full GC, promoting it to the old generation with its records.
 */
const SUMMARY = Symbol('summary');
const STATE = Symbol('state');

/**
 * The folded state `summary` was made from (for views built from the machines' snapshots and for
 * replay comparisons).
 * @throws TypeError `summary` was not made by `threadSummary` (e.g. a copy).
 */
export function summaryState(summary: ThreadSummary): ThreadState {
  const state = (summary as ThreadSummary & { [STATE]?: ThreadState })[STATE];
  if (!state) throw new TypeError('summaryState: not a summary made by the runtime (copies lose their state)');
  return state;
}

/** The summary of `state` (memoised per state object). */
export function threadSummary(state: ThreadState): ThreadSummary {
  const holder = state as ThreadState & { [SUMMARY]?: ThreadSummary };
  const known = holder[SUMMARY];
  if (known) return known;
  // the keys without the values (Object.keys would make every interaction of a decoded entry)
  const views: Record<string, InteractionView> = {};
  for (const id of recordKeys(state.interactions)) views[id] = lazy(viewOf, { state, id });
  // The view is a fresh object: its keys are added to it, not spread into another (`{ ...view, revision }`
  // gives each summary a hidden class of its own, in the old generation, holding its state there).
  const summary = threadView(state) as ThreadSummary;
  summary.revision = state.revision;
  summary.interactions = defined(views);
  Object.defineProperty(summary, STATE, { value: state, enumerable: false });
  if (Object.isExtensible(holder)) Object.defineProperty(holder, SUMMARY, { value: summary, enumerable: false });
  return summary;
}
