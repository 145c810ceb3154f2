/**
 * `orchestral/history`: one thread's history without the runtime — its stream, its facts, folded
 * through the machines (`foldHistory`, `replayThread`), the state hash, and views of a folded state
 * (`threadView`, `interactionView`, `planRunView`, `threadSummary`, `pendingApprovalDetails`), and
 * the read models of a thread's facts (costs, the plan DAG, step rows; `projectAsOf`). Importing it loads the fold (the machines) and
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
export { initialThreadState, applyFact, applyFacts, hashThreadState, stateHashVersion, STATE_HASH_VERSION, defaultMachines } from './history/fold/thread-state.ts';
export type { ThreadState, MachineSet, FoldOptions, HashThreadStateOptions, StateHashVersion } from './history/fold/thread-state.ts';

// Views of a folded state
export { threadView, interactionView, planRunView } from './history/fold/views.ts';
export type { ThreadView, ThreadStatus, InteractionView, InteractionStatus } from './history/fold/views.ts';
export type { PlanRunView, StepView, BudgetView } from './executor/plan-run-view.ts';
export { threadSummary, summaryState } from './runtime/thread-summary.ts';
export type { ThreadSummary } from './runtime/thread-summary.ts';
export { pendingApprovalDetails } from './runtime/approval-details.ts';
export type { ApprovalDetails, PlannedBy, PlanStepSummary } from './runtime/approval-details.ts';

// Read models of a thread's facts: costs, the plan DAG, step rows, as of a revision or time
export { costsProjection, threadCosts, interactionCosts } from '../projections/costs.ts';
export type { CostsState, ThreadCosts, InteractionCosts, Spend, BudgetFigures } from '../projections/costs.ts';
export { dagProjection, dagInteraction, layerSteps } from '../projections/dag.ts';
export type { DagState, PlanDag, DagNode, DagInteraction } from '../projections/dag.ts';
export { stepsProjection, stepInteraction, stepInteractions } from '../projections/steps.ts';
export type { StepsState, StepRow, StepsPlan, StepsInteraction, StepsThread } from '../projections/steps.ts';
export { getKeyed, keyedEntries, keyedValues } from '../projections/shared/keyed-map.ts';
export type { KeyedMap } from '../projections/shared/keyed-map.ts';
export { projectAsOf } from './projections/as-of.ts';
export type { AsOfOptions } from './projections/as-of.ts';
export { initialUpdateContext, interactionUpdatesOf, isTerminalUpdate } from './projections/interaction-updates.ts';
export type { InteractionUpdate, UpdateContext } from './projections/interaction-updates.ts';

// Errors of the fold
export { IllegalTransitionError, ReplayDivergenceError, ThreadRevisionError, ActorNotFoundError } from './history/errors.ts';
