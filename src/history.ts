/**
 * `orchestral/history`: one thread's history without the runtime — its stream, its facts, folded
 * through the machines (`foldHistory`, `replayThread`), the state hash, and views of a folded state
 * (`threadView`, `interactionView`, `planRunView`). Importing it loads the fold (the machines) and
 * nothing of the runtime, the planners or the actions, so a tool that only reads histories starts
 * fast. Every name here is also exported by the main entry (`orchestral`).
 */

// The stream, its facts
export { threadStreamId, threadIdOfStream } from './history/stream.ts';
export { lastRevision, historyEvents, historyFacts, readThreadFacts, followHistory } from './history/read.ts';
export type { HistoryRange } from './history/read.ts';
export { recordedFactOf } from './history/decode.ts';

// The fold
export { foldHistory, replayThread } from './history/replay.ts';
export type { FoldedHistory, ReplayOptions } from './history/replay.ts';
export { initialThreadState, applyFact, applyFacts, hashThreadState, defaultMachines } from './history/fold/thread-state.ts';
export type { ThreadState, MachineSet, FoldOptions } from './history/fold/thread-state.ts';

// Views of a folded state
export { threadView, interactionView, planRunView } from './history/fold/views.ts';
export type { ThreadView, ThreadStatus, InteractionView, InteractionStatus } from './history/fold/views.ts';
export type { PlanRunView, StepView, BudgetView } from './executor/plan-run-view.ts';

// Errors of the fold
export { IllegalTransitionError, ReplayDivergenceError, ThreadRevisionError, ActorNotFoundError } from './history/errors.ts';
