/**
 * `createTestRuntime`: a runtime for tests — an in-memory store, a `SimulatedClock` (time moves only
 * when the test moves it), sequential ids (the same run records the same ids), a scripted planner,
 * and a snapshot hash on every fact (so `checkReplay` can compare every revision).
 */
import type { Action } from '../actions/action.ts';
import { builtinActions } from '../actions/builtins.ts';
import { createActionRegistry, type ActionRegistry } from '../actions/registry.ts';
import { SimulatedClock } from '../core/clock.ts';
import { sequentialIds, type IdGenerator } from '../core/ids.ts';
import type { Planner } from '../planner/planner.ts';
import type { PolicyFn } from '../runtime/policies.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import type { ThreadSummary } from '../runtime/thread-summary.ts';
import type { EventStore } from '../store/event-store.ts';
import { factCodec } from '../facts/fact-codec.ts';
import { createInMemoryLog, type InMemoryLog } from '../store/in-memory/in-memory-log.ts';
import { getInMemoryEventStore } from '../store/in-memory/in-memory-event-store.ts';
import { countingPlanner, scriptedPlanner, type PlannerScript, type ScriptedPlanner } from './scripted-planner.ts';

/** Options of `createTestRuntime`. */
export interface TestRuntimeOptions {
  /** The planner's answers (see `scriptedPlanner`). Default: `[{ kind: 'done', answer: 'done' }]`. */
  script?: PlannerScript;
  /** A planner of your own instead of `script` (wrapped to count its calls). */
  planner?: Planner;
  /** Actions besides the built-ins `echo` and `sleep` (or a registry, used as it is). */
  actions?: readonly Action[] | ActionRegistry;
  /** Custom concurrency policies by name (`{ kind: 'custom', name }`). */
  policies?: Record<string, PolicyFn>;
  /** Seed of the sequential ids (0–0xffff); runtimes of one test should differ. Default 1. */
  seed?: number;
  /** Shares a clock between runtimes (e.g. across a simulated crash). Default: a new SimulatedClock. */
  clock?: SimulatedClock;
  /**
   * Shares the in-memory log between runtimes: a runtime created with the log of a closed one is
   * that process restarted (`restart()` does this). Default: a new log.
   */
  log?: InMemoryLog;
}

/** What `createTestRuntime` returns. */
export interface TestRuntime {
  runtime: Runtime;
  store: EventStore;
  clock: SimulatedClock;
  ids: IdGenerator;
  planner: ScriptedPlanner;
  actions: ActionRegistry;
  /** The store's data; pass it to another test runtime to share the store. */
  log: InMemoryLog;
  /**
   * Waits until the thread is settled (nothing runs, every live interaction waits for a person),
   * moving the clock by `stepMs` (default 1000) whenever the runtime is idle with a timer armed
   * (retry backoffs, approval expiry).
   * @throws Error when the thread is idle, unsettled and no timer is armed, or after `maxSteps` moves (default 1000).
   */
  settle(threadId: string, options?: { stepMs?: number; maxSteps?: number }): Promise<ThreadSummary>;
  /**
   * A crash and a restart: closes this runtime (what it had not recorded is lost, as in a crash
   * after its last append) and returns a new test runtime on the same store, clock and planner,
   * with the next id seed. The new runtime rehydrates threads on first use.
   */
  restart(): Promise<TestRuntime>;
}

/** A runtime for tests (see the module doc). */
export function createTestRuntime(options: TestRuntimeOptions = {}): TestRuntime {
  const clock = options.clock ?? new SimulatedClock();
  const log = options.log ?? createInMemoryLog();
  const store = getInMemoryEventStore({ codec: factCodec, clock, log });
  const seed = options.seed ?? 1;
  const ids = sequentialIds(seed);
  const planner = options.planner ? countingPlanner(options.planner) : scriptedPlanner(options.script ?? [{ kind: 'done', answer: 'done' }]);
  const given = options.actions;
  const actions = given !== undefined && !Array.isArray(given) ? (given as ActionRegistry) : createActionRegistry([...builtinActions().filter((a) => a.name === 'echo' || a.name === 'sleep'), ...((given as readonly Action[] | undefined) ?? [])]);
  const runtime = createRuntime({
    store,
    actions,
    plannerFor: () => planner,
    clock,
    ids,
    hashEvery: 1,
    ...(options.policies ? { policies: options.policies } : {}),
  });
  const idle = new Set(['waiting_input', 'waiting_approval', 'interrupted']);
  const self: TestRuntime = {
    runtime,
    store,
    clock,
    ids,
    planner,
    actions,
    log,
    async settle(threadId, o = {}) {
      const stepMs = o.stepMs ?? 1000;
      const maxSteps = o.maxSteps ?? 1000;
      for (let i = 0; i <= maxSteps; i++) {
        const s = await runtime.whenIdle(threadId);
        if (s.live.every((id) => idle.has(s.interactions[id]?.status ?? ''))) return runtime.whenSettled(threadId);
        if (clock.pendingTimers() === 0) throw new Error(`thread ${threadId} is idle, not settled, and no timer is armed`);
        clock.increment(stepMs);
      }
      throw new Error(`thread ${threadId} not settled after ${maxSteps} clock moves of ${stepMs} ms`);
    },
    async restart() {
      await runtime.close();
      return createTestRuntime({ ...options, planner, actions, clock, log, seed: (seed + 1) & 0xffff });
    },
  };
  return self;
}
