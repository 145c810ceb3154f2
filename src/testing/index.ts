/**
 * `orchestral/testing`: what you need to property-test your own actions, plans, custom concurrency
 * policies and machines — fast-check arbitraries of plans and fact histories, a deterministic test
 * runtime, the replay check, a model-based command kit for a thread, and machine transition
 * coverage. Needs `fast-check` (a peer dependency) installed next to `orchestral`.
 */
export { createTestRuntime } from './test-runtime.ts';
export type { TestRuntime, TestRuntimeOptions } from './test-runtime.ts';
export { scriptedPlanner, countingPlanner } from './scripted-planner.ts';
export type { ScriptedPlanner, PlannerScript } from './scripted-planner.ts';
export { checkReplay, ReplayCheckError } from './check-replay.ts';
export type { CheckReplayOptions, ReplayCheckReport } from './check-replay.ts';
export { planArbitrary, dependencyOrder } from './plan-arbitraries.ts';
export type { PlanArbitraryOptions } from './plan-arbitraries.ts';
export { factHistoryArbitrary, simulateHistory, toEventData } from './fact-histories.ts';
export type { FactHistory, HistoryOptions } from './fact-histories.ts';
export { threadCommands, threadCommand, refusalsAllowed, settleTurns, modelPlannerScript } from './thread-model.ts';
export type { ThreadCommand, ThreadReal, ThreadCommandsOptions } from './thread-model.ts';
export { checkThreadModel } from './check-thread-model.ts';
export type { ThreadModelOptions } from './check-thread-model.ts';
export { machineCoverage, declaredTransitions } from './machine-coverage.ts';
export type { MachineCoverage, MachineCoverageOptions, TransitionRef } from './machine-coverage.ts';
export { createInMemoryLog } from '../store/in-memory/in-memory-log.ts';
export type { InMemoryLog } from '../store/in-memory/in-memory-log.ts';
export type { PlannerOutput, PlannerOutputInput } from '../plan/planner-output.ts';
