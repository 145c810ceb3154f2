/**
 * `orchestral`: the package's main entry. Runtime and threads, replay and fork, stores by URL (each
 * adapter is imported only when its URL scheme is opened; `orchestral/stores/*` import one
 * directly), actions, planners, policies, projections, errors.
 *
 * Every name is listed explicitly (no `export *`), so this file is the package's API: what is not
 * here (or in a subpath entry: `orchestral/stores/sqlite`, `…/postgres`, `…/kurrentdb`,
 * `orchestral/history`, `orchestral/base`, `orchestral/read`, `orchestral/mcp`, `orchestral/serve`, `orchestral/testing`, `orchestral/inspect`,
 * `orchestral/cli`) is internal.
 */

// Runtime and threads
export { createRuntime } from './runtime/runtime.ts';
export type {
  Runtime,
  RuntimeOptions,
  RuntimeOwnershipOptions,
  OpenThreadOptions,
  OpenedThread,
  ThreadOwner,
} from './runtime/runtime.ts';
export type { ThreadSummary } from './runtime/thread-summary.ts';
export type { ThreadView, ThreadStatus, InteractionView, InteractionStatus } from './history.ts';
export type { SendResult } from './runtime/decide-input.ts';
export type { PendingApproval, ApprovalDecisionOptions } from './runtime/decide-control.ts';
export type { ApprovalDetails, PlannedBy, PlanStepSummary } from './runtime/approval-details.ts';
export { listThreads } from './projections/list-threads.ts';
export { threadSummary, summaryState, pendingApprovalDetails } from './history.ts';

// A thread's history: its stream, its facts, folded through the machines (also `orchestral/history`)
export { threadStreamId, threadIdOfStream } from './history.ts';
export { lastRevision, historyEvents, historyFacts, readThreadFacts, followHistory } from './history.ts';
export type { HistoryRange } from './history.ts';
export { recordedFactOf } from './history.ts';
export { foldHistory, replayThread } from './history.ts';
export type { FoldedHistory, ReplayOptions } from './history.ts';
export { initialThreadState, applyFact, applyFacts, hashThreadState, stateHashVersion, STATE_HASH_VERSION, defaultMachines } from './history.ts';
export type { ThreadState, MachineSet, FoldOptions, HashThreadStateOptions, StateHashVersion } from './history.ts';
export { threadView, interactionView, planRunView } from './history.ts';
export type { PlanRunView, StepView, BudgetView } from './history.ts';

// Replay and fork
export { replay, fork } from './runtime/runtime-history.ts';
export type { RuntimeHistory, RuntimeReplayOptions, RuntimeForkOptions, ReplayedThread } from './runtime/runtime-history.ts';
export { forkThread } from './runtime/fork.ts';
export type { ForkResult, ForkRequest } from './runtime/fork.ts';

// Time and ids
export { systemClock, SimulatedClock } from './core/clock.ts';
export type { Clock } from './core/clock.ts';
export { randomIds, sequentialIds, timeOrderedIds, type TimeOrderedIdsOptions } from './core/ids.ts';
export type { IdGenerator } from './core/ids.ts';
export { ID_PATTERN, redactText, registerSecret, FAULT_ENV, FAULT_POINTS, parseFaultSpec, FaultSpecError } from './base.ts';
export type { FaultSpec } from './base.ts';
export { withoutUserInfo } from './core/url.ts';

// Event stores
export { openEventStore, parseStoreUrl, DEFAULT_STORE_URL } from './store/open-event-store.ts';
export type { OpenEventStoreOptions, StoreLocation } from './store/open-event-store.ts';
export { getInMemoryEventStore } from './store/in-memory/in-memory-event-store.ts';
export type { InMemoryEventStoreOptions } from './store/in-memory/in-memory-event-store.ts';
export { NO_STREAM, ANY, STREAM_EXISTS } from './store/event-store.ts';
export type {
  EventStore,
  EventData,
  RecordedEvent,
  EventMetadata,
  EventMetadataInput,
  ExpectedRevision,
  AppendOptions,
  AppendResult,
  Direction,
  ReadStreamOptions,
  ReadAllOptions,
  SubscribeToStreamOptions,
  SubscribeToAllOptions,
} from './store/event-store.ts';
export { factCodec } from './facts/fact-codec.ts';
export { lazyFactCodec } from './base.ts';
export type { EventCodec } from './store/codec.ts';
export { DEFAULT_MAX_EVENT_BYTES } from './store/codec.ts';

// Ownership (leases) and workers
export { openLeaseStore } from './ownership/open-leases.ts';
export { getMemoryLeaseStore } from './ownership/memory-leases.ts';
export type { LeaseStore, LeaseHolder, LeaseRecord, HolderIdentity } from './ownership/lease.ts';
export { processIdentity } from './ownership/identity.ts';
export { startWorker } from './worker/worker.ts';
export type { Worker, WorkerOptions } from './worker/worker.ts';

// Facts
export { FACT_TYPES, isFactType, FACT_SCHEMAS } from './facts/fact-types.ts';
export type { Fact, FactType, FactData, FactOf, RecordedFact, FactInput } from './facts/fact-types.ts';
export { encodedFactBytes, largestLeaf } from './runtime/fact-size.ts';
export type { FactMetaSizes } from './runtime/fact-size.ts';
export type { PolicySpec, PolicyDecision } from './facts/facts/thread-facts.ts';
export type { InterruptKind } from './facts/facts/interaction-facts.ts';

// Actions
export { defineAction } from './actions/action.ts';
export type { Action, ActionContext, ActionProgress, LlmUsage } from './actions/action.ts';
export { createActionRegistry } from './actions/registry.ts';
export type { ActionRegistry, ActionDescriptor } from './actions/registry.ts';
export { builtinActions } from './actions/builtins.ts';
export { sqliteStoreFiles } from './actions/builtin/protected-paths.ts';
export type { BuiltinActionOptions } from './actions/builtins.ts';
export type { McpServersMap } from './plan/mcp-servers.ts';

// Plans and planners
export { PlanSpec } from './plan/plan-schema.ts';
export type { PlanSpecInput, StepSpec, StepSpecInput, BudgetSpec, RetryPolicy } from './plan/plan-schema.ts';
export { normalizePlan } from './plan/normalize.ts';
export { createStaticPlanner, parsePlanText, loadPlanFile, readPlanText } from './planner/static-planner.ts';
export type { TextPosition } from './planner/plan-text.ts';
export type { StaticPlannerOptions } from './planner/static-planner.ts';
export { createOpenAIPlanner } from './planner/openai-planner.ts';
export type { OpenAIPlannerOptions } from './planner/openai-planner.ts';
export type { Planner, PlanningRequest, PlannerResult } from './planner/planner.ts';
export type { Observation } from '../machines/interaction.types.ts';
export type { PlannerOutput, PlannerOutputInput } from './plan/planner-output.ts';
export { createPlanner } from './planner/create-planner.ts';
export type { PlannerSettings } from './planner/create-planner.ts';

// Routes (intent patterns or events → a plan or an action, before the planner)
export { loadRoutes, RoutesFileError } from './planner/routes/routes-file.ts';
export type { Route, Routes } from './planner/routes/routes-file.ts';
export { createRoutingPlanner, matchRoute, NoRouteError } from './planner/routes/routing-planner.ts';
export type { RouteMatch } from './planner/routes/routing-planner.ts';
export { formatEventInput, parseEventInput, EVENT_TYPE_PATTERN } from './planner/routes/event-input.ts';
export type { ThreadEvent } from './planner/routes/event-input.ts';

// Concurrency policies
export { interruptPolicy, rejectPolicy, enqueuePolicy, steerPolicy, parallelPolicy } from './runtime/policies.ts';
export type { PolicyFn, PolicyContext, PolicyInput, PolicyResult, LiveInteraction } from './runtime/policies.ts';

// Projections
export { foldFacts } from './projections/projection.ts';
export type { Projection } from './projections/projection.ts';
export { startProjector } from './projections/projector.ts';
export type { Projector, ProjectorOptions, ProjectorStatus } from './projections/projector.ts';
export { projectAsOf } from './projections/as-of.ts';
export type { AsOfOptions } from './projections/as-of.ts';
export { createInMemoryProjectionStore } from './projections/in-memory-projection-store.ts';
export { openProjectionStore } from './projections/open-projection-store.ts';
export type { ProjectionStore, StoredProjection } from './projections/projection-store.ts';
export { startPersistedProjector } from './projections/persisted-projector.ts';
export type { PersistedProjector, PersistedProjectorOptions } from './projections/persisted-projector.ts';
export { interactionUpdates$ } from './projections/interaction-stream.ts';
export type { InteractionStreamOptions } from './projections/interaction-stream.ts';
export { catchUpPersisted } from './read.ts';
export type { CaughtUpProjection } from './read.ts';
export { initialUpdateContext, interactionUpdatesOf, isTerminalUpdate, getKeyed, keyedEntries, keyedValues } from './history.ts';
export type { InteractionUpdate, UpdateContext, KeyedMap } from './history.ts';
export { threadsProjection, threadListing, threadListings } from '../projections/threads.ts';
export type { ThreadListing, ThreadsState, PendingApprovalRef } from '../projections/threads.ts';
export { costsProjection, threadCosts, interactionCosts } from '../projections/costs.ts';
export type { CostsState, ThreadCosts, InteractionCosts, Spend, BudgetFigures } from '../projections/costs.ts';
export { dagProjection, dagInteraction, layerSteps } from '../projections/dag.ts';
export type { DagState, PlanDag, DagNode, DagInteraction } from '../projections/dag.ts';
export { stepsProjection, stepInteraction, stepInteractions } from '../projections/steps.ts';
export type { StepsState, StepRow, StepsPlan, StepsInteraction, StepsThread } from '../projections/steps.ts';

// Errors (each a class with a `code`; `is…` guards work across package copies)
export { OrchestralError, isOrchestralError, hasErrorCode } from './errors/orchestral-error.ts';
export {
  IllegalTransitionError,
  ReplayDivergenceError,
  ThreadRevisionError,
  ActorNotFoundError,
} from './history.ts';
export {
  ThreadNotFoundError,
  isThreadNotFoundError,
  ThreadExistsError,
  isThreadExistsError,
  ThreadClosedError,
  UnknownApprovalError,
  AmbiguousApprovalError,
  UnknownInteractionError,
  InteractionStateError,
  NothingToDoError,
  UnknownPolicyError,
  InvalidPolicyDecisionError,
  PlannerUnavailableError,
  RuntimeClosedError,
  WriteContentionError,
  ThreadStoppedError,
  BudgetExtensionError,
} from './runtime/command-errors.ts';
export {
  WrongExpectedVersionError,
  StreamNotFoundError,
  EventDecodeError,
  EventValidationError,
  EventTooLargeError,
  DuplicateEventIdError,
  StoreClosedError,
  StoreOpenError,
  StoreWriteError,
  InvalidReadOptionsError,
  EventIntegrityError,
  StoreCorruptError,
} from './store/errors.ts';
export {
  ActionError,
  ActionInputError,
  WorkspaceViolationError,
  ActionLimitError,
  ActionTimeoutError,
  ActionAbortedError,
  HostNotAllowedError,
  ActionRegistryError,
  UnknownActionError,
} from './actions/errors.ts';
export { PlannerConfigError, PlannerError, PlanFileError } from './planner/errors.ts';
export { LlmRequestError, LlmConfigError } from './llm/errors.ts';
export { PlanValidationError, isPlanValidationError, ReferenceResolutionError } from './plan/errors.ts';
export { ProjectionError, ProjectionStoreError, isProjectionStoreError, AsOfError } from './projections/projection-errors.ts';

// Machines as data (Stately Studio, rebuilding with createMachine)
export { exportMachine, machineExports } from './runtime/machine-config.ts';
export type { MachineExport } from './runtime/machine-config.ts';

// Snapshot caches (the SQLite one: `orchestral/stores/sqlite`)
export { createInMemorySnapshotCache } from './history/snapshot-cache/snapshot-cache.ts';
export type { SnapshotCache } from './history/snapshot-cache/snapshot-cache.ts';
