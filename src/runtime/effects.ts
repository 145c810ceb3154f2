/**
 * The effects of one thread: planner calls, step runs and the wake-up timer. After each commit the
 * runner calls `reconcile(state)`, which
 * - aborts (through their AbortController, a LazyAbort for step runs) planner calls whose interaction is no longer `planning`
 *   at that iteration, and step runs whose step machine is no longer `running` at that attempt (cancel,
 *   the interrupt policy, fail_fast, another writer's outcome);
 * - starts a planner call for every live `planning` interaction without one, and a run for every
 *   `running` step of a live interaction's current plan without one — which is also how effects
 *   requested before a crash resume after `load`.
 * `arm(wakeAtMs)` keeps one clock timer at the earliest due time (retry backoff, approval expiry);
 * when it fires, an empty message makes the runner re-run the scheduler with the new time.
 *
 * Only the owner runs effects: while `env.claim` says this runtime does not hold the thread's lease,
 * `reconcile` starts nothing and `arm` arms nothing. Losing the lease aborts every planner call and
 * step run at once and drops their results and progress (an ownership epoch tags each run), so a
 * process that lost the thread records nothing about work the next owner will redo.
 *
 * Closing is two calls: `hold()` starts nothing more and drops the results of runs still going,
 * while the results already posted stay in the mailbox to be recorded; `close()` then aborts the rest.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { Clock } from '../core/clock.ts';
import type { IdGenerator } from '../core/ids.ts';
import { LazyAbort } from '../core/lazy-abort.ts';
import type { PlanRunView, StepView } from '../executor/plan-run-view.ts';
import { stepStateOf } from '../executor/view-helpers.ts';
import type { ThreadClaim } from '../ownership/ownership.ts';
import type { Planner } from '../planner/planner.ts';
import type { EventStore } from '../store/event-store.ts';
import { startPlannerCall } from './planner-effect.ts';
import { completedOutputs, decideStepResults, startStepRun, type StepResult } from './step-effect.ts';
import type { HashEvery } from './draft.ts';
import { stepKey, type ThreadState } from '../history/fold/thread-state.ts';
import type { RunnerMessage } from './runner-message.ts';
import type { InteractionDelta } from './live-deltas.ts';
import { createStreamRedactor } from '../core/redact-stream.ts';
import { interactionView, planRunView, threadView } from '../history/fold/views.ts';

/** What a thread runner and its effects need from the runtime. */
export interface RunnerEnv {
  store: EventStore;
  actions: ActionRegistry;
  clock: Clock;
  ids: IdGenerator;
  /** Absolute workspace root handed to actions. */
  workspace: string;
  /** See `createDraft`. */
  hashEvery: HashEvery;
  /** Largest fact, UTF-8 bytes of data + metadata JSON (the store's limit; see `createDraft`). */
  maxEventBytes: number;
  /** The thread's planner (built lazily, once per thread, by the runtime). */
  planner(state: ThreadState): Planner;
  /** The thread's lease claim: effects run only while it `owns()`. */
  claim: Pick<ThreadClaim, 'owns' | 'onChange'>;
  /** Receives the text pieces of streamed LLM answers (the live, unstored channel; see `live-deltas.ts`). */
  onDelta?(delta: InteractionDelta): void;
}

/** The effect side of a runner. */
export interface Effects {
  reconcile(state: ThreadState): void;
  arm(wakeAtMs: number | undefined): void;
  /** Planner calls and step runs whose result has not been handled yet. */
  inFlight(): number;
  /**
   * Starts nothing more (`reconcile` and `arm` do nothing), clears the timer and drops the results
   * and progress of runs still going from now on; messages already posted are not touched, and the
   * runs are not aborted (a queued planner answer must not see its call aborted before it is decided).
   */
  hold(): void;
  /** Aborts everything and clears the timer (implies `hold`). */
  close(): void;
}

/** The runner as effects see it. */
interface EffectHost {
  readonly origins: Map<string, { eventId: string; correlationId?: string }>;
  post(message: RunnerMessage): void;
}

/** Creates the effects of one thread runner. */
export function createEffects(host: EffectHost, env: RunnerEnv): Effects {
  const planners = new Map<string, { iteration: number; controller: AbortController }>();
  /** Step runs in flight by step key, with the ids the key is made of. */
  const steps = new Map<string, { attempt: number; controller: LazyAbort; interactionId: string; planId: string; stepId: string }>();
  let timer: { handle: unknown; atMs: number } | undefined;
  let closed = false;
  /** Set by `hold` (and `close`): no effect starts any more. */
  let held = false;
  let results: StepResult[] = [];
  /** Bumped when the lease is lost: messages of runs started in an older epoch are dropped. */
  let epoch = 0;
  /**
   * The delta sink of one call started in epoch `started`: pieces of runs from a lost lease are
   * dropped; text is redacted as a stream (a secret split across pieces is caught), so `end` must
   * be called when the call settles, to emit what the redactor still holds.
   */
  const live = <P extends { text: string }>(
    started: number,
    shape: (piece: P) => Pick<InteractionDelta, 'type' | 'threadId' | 'interactionId' | 'text'> & Partial<InteractionDelta>,
  ): { onDelta: (piece: P) => void; endDeltas: () => void } => {
    let last: P | undefined;
    const redactor = createStreamRedactor((text) => {
      if (started !== epoch || env.onDelta === undefined || last === undefined) return;
      env.onDelta({ ...shape(last), text, kind: 'delta', ephemeral: true, atMs: env.clock.now() });
    });
    return {
      onDelta: (piece) => {
        last = piece;
        redactor.push(piece.text);
      },
      endDeltas: () => redactor.end(),
    };
  };
  const postFrom = (started: number) => (m: RunnerMessage): void => {
    if (started === epoch) host.post(m);
  };

  /** Step outcomes arriving together go to the mailbox as one message (one view per plan). */
  const deliver = (result: StepResult, started: number): void => {
    if (started !== epoch) return;
    results.push(result);
    if (results.length > 1) return;
    let taken: StepResult[] | undefined;
    host.post({
      decide(draft) {
        if (taken === undefined) {
          taken = results;
          results = [];
        }
        decideStepResults(draft, taken, Math.floor(env.clock.now()));
      },
    });
  };

  const clearTimer = (): void => {
    if (timer) env.clock.clearTimeout(timer.handle);
    timer = undefined;
  };

  const abortStale = (state: ThreadState, views: Map<string, PlanRunView>): void => {
    for (const [interactionId, call] of planners) {
      const known = Object.prototype.hasOwnProperty.call(state.interactions, interactionId);
      const iv = known ? interactionView(state, interactionId) : undefined;
      if (!iv || iv.status !== 'planning' || iv.iteration !== call.iteration) {
        call.controller.abort(new Error(`planner call no longer wanted (interaction ${iv?.status ?? 'unknown'})`));
        planners.delete(interactionId);
      }
    }
    const stepStatus = (key: string, run: { interactionId: string; planId: string; stepId: string }): { status: string; attempts: number } | undefined => {
      if (state.steps[key] === undefined) return undefined;
      const viewKey = `${run.interactionId}/${run.planId}`;
      let view = views.get(viewKey);
      if (!view) views.set(viewKey, (view = planRunView(state, run.interactionId, run.planId)));
      return stepStateOf(view, run.stepId);
    };
    for (const [key, run] of steps) {
      const step = stepStatus(key, run);
      if (!step || step.status !== 'running' || step.attempts !== run.attempt) {
        run.controller.abort(new Error(step?.status === 'cancelled' ? 'step cancelled' : 'step no longer running'));
        steps.delete(key);
      }
    }
  };

  const startWanted = (state: ThreadState, views: Map<string, PlanRunView>): void => {
    for (const interactionId of threadView(state).live) {
      const iv = interactionView(state, interactionId);
      if (iv.status === 'planning' && !planners.has(interactionId)) {
        const controller = new AbortController();
        planners.set(interactionId, { iteration: iv.iteration, controller });
        const origin = host.origins.get(`plan/${interactionId}/${iv.iteration}`);
        startPlannerCall({
          state,
          interactionId,
          planner: () => env.planner(state),
          actions: env.actions.describe(),
          controller,
          ...(origin ? { origin } : {}),
          post: postFrom(epoch),
          forget: () => {
            if (planners.get(interactionId)?.controller === controller) planners.delete(interactionId);
          },
          ...(env.onDelta !== undefined ? live(epoch, (p: { iteration: number; text: string }) => ({ type: 'thought', threadId: state.threadId, interactionId, ...p })) : {}),
        });
      }
      if (iv.currentPlanId === undefined) continue;
      const viewKey = `${interactionId}/${iv.currentPlanId}`;
      let view = views.get(viewKey);
      if (!view) views.set(viewKey, (view = planRunView(state, interactionId, iv.currentPlanId)));
      let outputs: Record<string, unknown> | undefined;
      for (const [stepId, step, key] of runningStepsWithoutRun(view, steps)) {
        const controller = new LazyAbort();
        const started = epoch;
        steps.set(key, { attempt: step.attempts, controller, interactionId, planId: view.planId, stepId });
        const origin = host.origins.get(`step/${interactionId}/${view.planId}/${stepId}/${step.attempts}`);
        startStepRun({
          view,
          stepId,
          actions: env.actions,
          clock: env.clock,
          workspace: env.workspace,
          controller,
          ...(origin ? { origin } : {}),
          outputs: () => (outputs ??= completedOutputs(view)),
          post: postFrom(epoch),
          ...(env.onDelta !== undefined ? live(epoch, (p: { planId: string; stepId: string; attempt: number; text: string }) => ({ type: 'content', threadId: state.threadId, interactionId: view.interactionId, ...p })) : {}),
          deliver: (r) => deliver(r, started),
          forget: () => {
            if (steps.get(key)?.controller === controller) steps.delete(key);
          },
        });
      }
    }
  };

  const abortAll = (reason: string): void => {
    clearTimer();
    for (const call of planners.values()) call.controller.abort(new Error(reason));
    for (const run of steps.values()) run.controller.abort(new Error(reason));
    planners.clear();
    steps.clear();
  };

  const unsubscribe = env.claim.onChange((owned) => {
    if (owned || closed) return;
    epoch++;
    abortAll('lease of the thread lost: another process may own it now');
  });

  return {
    reconcile(state) {
      if (held || !env.claim.owns()) return;
      const views = new Map<string, PlanRunView>(); // one view per plan for this state
      abortStale(state, views);
      startWanted(state, views);
    },
    arm(wakeAtMs) {
      if (held || !env.claim.owns()) return;
      if (wakeAtMs === undefined) return clearTimer();
      if (timer?.atMs === wakeAtMs) return;
      clearTimer();
      const handle = env.clock.setTimeout(() => {
        if (timer?.handle === handle) timer = undefined;
        host.post({ decide: () => undefined });
      }, Math.max(0, wakeAtMs - env.clock.now()));
      timer = { handle, atMs: wakeAtMs };
    },
    inFlight: () => planners.size + steps.size,
    hold() {
      if (held) return;
      held = true;
      epoch++;
      clearTimer();
    },
    close() {
      closed = true;
      held = true;
      unsubscribe();
      abortAll('runtime closed');
    },
  };
}

/** The step keys of a plan's steps by plan position (`stepKey`), written once per plan. */
const planStepKeys = new WeakMap<object, { interactionId: string; planId: string; keys: string[] }>();
function stepKeysOf(view: PlanRunView, steps: readonly { id: string }[]): string[] {
  const known = planStepKeys.get(steps);
  if (known !== undefined && known.interactionId === view.interactionId && known.planId === view.planId) return known.keys;
  const keys = steps.map((s) => stepKey(view.interactionId, view.planId, s.id));
  planStepKeys.set(steps, { interactionId: view.interactionId, planId: view.planId, keys });
  return keys;
}

/**
 * The running steps of a plan that have no run in `runs` (by step key), in plan order, each with
 * its step id, view and key. From the plan's index when the view has one: one lookup per running
 * step (keys written once per plan), and only the steps without a run are sorted.
 */
function runningStepsWithoutRun(view: PlanRunView, runs: ReadonlyMap<string, unknown>): Array<[string, StepView, string]> {
  const index = view.index?.();
  if (index === undefined) {
    const out: Array<[string, StepView, string]> = [];
    for (const [stepId, s] of Object.entries(view.steps)) {
      const key = stepKey(view.interactionId, view.planId, stepId);
      if (s.status === 'running' && !runs.has(key)) out.push([stepId, s, key]);
    }
    return out;
  }
  const keys = stepKeysOf(view, index.steps);
  const fresh: number[] = [];
  for (const i of index.running) if (!runs.has(keys[i]!)) fresh.push(i);
  if (fresh.length > 1) fresh.sort((a, b) => a - b);
  return fresh.map((i): [string, StepView, string] => {
    const stepId = index.steps[i]!.id;
    return [stepId, stepStateOf(view, stepId)!, keys[i]!];
  });
}
