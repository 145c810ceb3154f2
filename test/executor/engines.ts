/**
 * Test helper: two "engines" a simulated plan run can drive — the tiny strict applier of
 * apply-to-view.ts, and the real fold (the machines via src/history/fold/thread-state.ts + views.ts), so
 * the scheduler's facts are checked against what the runtime will actually accept.
 */
import { FACT_SCHEMAS, type Fact, type FactInput } from '../../src/facts/fact-types.ts';
import type { PlanRunView } from '../../src/executor/plan-run-view.ts';
import { applyFacts, initialThreadState, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { planRunView } from '../../src/history/fold/views.ts';
import { applyFact, type SimState } from './apply-to-view.ts';

/** A plan run's state: its view, fact application (throws when illegal), halting, the recorded end. */
export interface Engine {
  view(): PlanRunView;
  apply(fact: FactInput): void;
  /** Cancels the interaction (the view becomes halted). */
  halt(): void;
  finished(): 'completed' | 'failed' | 'cancelled' | undefined;
}

/** Over the tiny applier, starting from `view`. */
export function tinyEngine(view: PlanRunView): Engine {
  let state: SimState = { view };
  return {
    view: () => state.view,
    apply: (fact) => void (state = applyFact(state, fact)),
    halt: () => void (state = { view: { ...state.view, halted: true } }),
    finished: () => state.finished,
  };
}

const parse = (f: FactInput): Fact => ({ type: f.type, data: FACT_SCHEMAS[f.type].parse(f.data) }) as Fact;

/** A thread `t1` whose interaction `i1` accepted `plan` as plan `p1` (the facts up to PlanAccepted, folded). */
export function stateWithAcceptedPlan(plan: unknown): ThreadState {
  return applyFacts(
    initialThreadState('t1'),
    [
      { type: 'ThreadOpened', data: { threadId: 't1', policy: { kind: 'enqueue' } } },
      { type: 'InputReceived', data: { inputId: 'in1', text: 'go' } },
      { type: 'PolicyApplied', data: { inputId: 'in1', decision: 'start', policy: 'enqueue', reason: 'idle', interactionId: 'i1' } },
      { type: 'InteractionStarted', data: { interactionId: 'i1', inputId: 'in1', text: 'go', maxIterations: 3 } },
      { type: 'PlanningRequested', data: { interactionId: 'i1', iteration: 1 } },
      { type: 'PlannerResponded', data: { interactionId: 'i1', iteration: 1, output: { kind: 'mini_plan', plan } } },
      { type: 'PlanAccepted', data: { interactionId: 'i1', planId: 'p1', iteration: 1, plan } },
    ].map((f) => parse(f as FactInput)),
  );
}

/** Over the real fold: a thread `t1` whose interaction `i1` accepted `view.plan` as plan `p1`. */
export function foldEngine(view: PlanRunView): Engine {
  let state: ThreadState = stateWithAcceptedPlan(view.plan);
  let cached: PlanRunView | undefined;
  let outcome: 'completed' | 'failed' | 'cancelled' | undefined;
  const apply = (fact: FactInput): void => {
    state = applyFacts(state, [parse(fact)]);
    cached = undefined;
    if (fact.type === 'PlanFinished') outcome = fact.data.outcome;
  };
  return {
    view: () => (cached ??= planRunView(state, 'i1', 'p1')),
    apply,
    halt: () => apply({ type: 'InteractionCancelled', data: { interactionId: 'i1', reason: 'test halt' } }),
    finished: () => outcome,
  };
}
