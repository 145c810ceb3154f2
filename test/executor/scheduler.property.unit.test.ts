/**
 * Property: simulate whole plan runs — random DAGs (plan order shuffled), priorities, retries,
 * approvals, budgets, maxConcurrency and failure policies; random outcomes, human decisions and
 * time passing — driving scheduleNext/stepOutcomeFacts to a fixpoint after every event with the
 * strict applier of apply-to-view.ts (so every fact must be legal when applied).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FactInput } from '../../src/facts/fact-types.ts';
import { stepOutcomeFacts } from '../../src/executor/outcome.ts';
import type { PlanRunView } from '../../src/executor/plan-run-view.ts';
import { scheduleNext } from '../../src/executor/scheduler.ts';
import type { StepOutcome } from '../../src/executor/step-outcome.ts';
import type { StepSpecInput } from '../../src/plan/plan-schema.ts';
import { buildView, noopAction, registryOf } from '../support/plan-run-view-builder.ts';
import { foldEngine, tinyEngine, type Engine } from './engines.ts';

const actions = registryOf(noopAction);
const TERMINAL = ['completed', 'failed', 'cancelled'];

/** What the generated runs may include (all by default; narrower scopes help bisect a failure). */
interface Scope {
  stepApprovals: boolean;
  budgetApprovals: boolean;
  halts: boolean;
}

const stepArb = (i: number, scope: Scope) =>
  fc.record({
    deps: fc.subarray([...Array(i).keys()], { maxLength: Math.min(3, i) }),
    priority: fc.integer({ min: 0, max: 2 }),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    requiresApproval: fc.boolean().map((b) => b && i % 3 === 0 && scope.stepApprovals),
    cost: fc.option(fc.integer({ min: 0, max: 50 }).map((c) => c / 100), { nil: undefined }),
  });

const planArb = (scope: Scope) => fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.record({
    steps: fc.tuple(...[...Array(n).keys()].map((i) => stepArb(i, scope))),
    order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    maxConcurrency: fc.integer({ min: 1, max: 4 }),
    failurePolicy: fc.constantFrom('fail_fast' as const, 'continue' as const),
    requiresApproval: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
    approvalTimeoutMs: fc.option(fc.constant(700), { nil: undefined }),
    budget: fc.option(fc.record({ limitUsd: fc.integer({ min: 0, max: 200 }).map((c) => c / 100), warnAt: fc.constant(0.5), onExceed: scope.budgetApprovals ? fc.constantFrom('approve' as const, 'fail' as const) : fc.constant('fail' as const) }), { nil: undefined }),
  }),
);

type PlanGen = ReturnType<typeof planArb> extends fc.Arbitrary<infer T> ? T : never;

function toView(g: PlanGen): PlanRunView {
  const steps: StepSpecInput[] = g.order.map((i) => {
    const s = g.steps[i]!;
    return {
      id: `s${i}`,
      action: 'noop',
      dependsOn: s.deps.map((d) => `s${d}`),
      priority: s.priority,
      retry: { maxAttempts: s.maxAttempts, backoffMs: 100, maxBackoffMs: 250 },
      ...(s.requiresApproval ? { requiresApproval: true } : {}),
      ...(s.cost === undefined ? {} : { estimatedCostUsd: s.cost }),
    };
  });
  const plan = {
    steps,
    maxConcurrency: g.maxConcurrency,
    failurePolicy: g.failurePolicy,
    requiresApproval: g.requiresApproval,
    ...(g.approvalTimeoutMs ? { approvalTimeoutMs: g.approvalTimeoutMs } : {}),
    ...(g.budget ? { budget: g.budget } : {}),
  };
  return buildView({ plan, ...(g.budget ? { budget: g.budget } : {}) });
}

interface Run {
  engine: Engine;
  now: number;
  started: string[];
  firstFinalFailure?: number;
  ownCancels: Set<string>;
  halted: boolean;
}

/** Checks the invariants a fact must satisfy, applies it, records what the checks of the end need. */
function apply(run: Run, fact: FactInput, next?: FactInput): void {
  const before = run.engine.view();
  if (fact.type === 'StepStarted') {
    const step = before.plan.steps.find((s) => s.id === fact.data.stepId)!;
    for (const d of step.dependsOn) expect(before.steps[d]?.status, `${step.id} starts before ${d} completed`).toBe('completed');
    if (before.plan.requiresApproval) expect(before.planApproval.status).toBe('granted');
    expect(run.firstFinalFailure, 'fail_fast: nothing starts after a final failure').toBeUndefined();
    expect(run.halted).toBe(false);
  }
  run.engine.apply(fact);
  const view = run.engine.view();
  const running = Object.values(view.steps).filter((t) => t.status === 'running').length;
  expect(running).toBeLessThanOrEqual(view.plan.maxConcurrency);
  if (fact.type === 'StepStarted') {
    run.started.push(fact.data.stepId);
    const b = view.budget;
    const state = view.steps[fact.data.stepId]!;
    const approved = state.approval?.scope === 'budget' && state.approval.status === 'granted';
    // an attempt that fails before its action runs is recorded as StepStarted (nothing reserved) + StepFailed
    const failsAtOnce = next?.type === 'StepFailed' && next.data.stepId === fact.data.stepId && next.data.retryAtMs === null;
    if (failsAtOnce) expect(fact.data.reservedUsd).toBe(0);
    if (b && !approved && !failsAtOnce) expect(b.spentUsd + b.reservedUsd).toBeLessThanOrEqual(b.limitUsd + 1e-9);
  }
  if (fact.type === 'StepFailed' && fact.data.retryAtMs === null && view.plan.failurePolicy === 'fail_fast') run.firstFinalFailure ??= run.started.length;
  if (fact.type === 'ApprovalRejected' && fact.data.stepId) run.ownCancels.add(fact.data.stepId);
}

function fixpoint(run: Run): number | undefined {
  for (let i = 0; i < 200; i++) {
    const r = scheduleNext(run.engine.view(), { nowMs: run.now, actions });
    if (r.facts.length === 0) return r.wakeAtMs;
    r.facts.forEach((f, i) => apply(run, f, r.facts[i + 1]));
    if (run.engine.finished()) return undefined;
  }
  throw new Error('no fixpoint after 200 calls');
}

/** Runs the plan to its end; `pick(k)` chooses among k options. */
function simulate(engine: Engine, pick: (k: number) => number, haltAt: number | undefined): Run {
  const run: Run = { engine, now: 0, started: [], ownCancels: new Set(), halted: false };
  for (let events = 0; events < 500; events++) {
    const wake = fixpoint(run);
    if (run.engine.finished()) return run;
    if (run.halted) return run;
    if (haltAt !== undefined && events === haltAt) {
      run.engine.halt();
      run.halted = true;
      continue;
    }
    const v = run.engine.view();
    const running = Object.values(v.steps).filter((t) => t.status === 'running');
    const waiting = Object.values(v.steps).filter((t) => t.status === 'waiting_approval');
    const planWaiting = v.planApproval.status === 'requested';
    const options = running.length + waiting.length + (planWaiting ? 1 : 0) + (wake === undefined ? 0 : 1);
    if (options === 0) throw new Error(`stuck at ${run.now}: ${JSON.stringify(v.steps)}`);
    let k = pick(options);
    if (k < running.length) {
      const t = running[k]!;
      const kind = pick(10);
      const outcome: StepOutcome =
        kind < 6 ? { status: 'ok', output: { ok: true }, costUsd: pick(4) / 10, durationMs: 5 }
        : kind < 9 ? { status: 'error', error: { message: 'x', ...(kind === 8 ? { retryable: false } : {}) }, costUsd: 0.05, durationMs: 5 }
        : { status: 'cancelled', reason: 'aborted', costUsd: 0, durationMs: 5 };
      if (outcome.status === 'cancelled') run.ownCancels.add(t.stepId);
      run.now += 10;
      for (const f of stepOutcomeFacts(v, t.stepId, outcome, run.now)) apply(run, f);
      continue;
    }
    k -= running.length;
    const grant = pick(4) > 0;
    if (k < waiting.length) {
      const t = waiting[k]!;
      const by = { approvalId: t.approval!.approvalId, interactionId: v.interactionId, planId: v.planId, stepId: t.stepId, by: 'tester' };
      apply(run, grant ? { type: 'ApprovalGranted', data: by } : { type: 'ApprovalRejected', data: by });
      continue;
    }
    k -= waiting.length;
    if (planWaiting && k === 0) {
      const by = { approvalId: v.planApproval.approvalId!, interactionId: v.interactionId, planId: v.planId, by: 'tester' };
      apply(run, grant ? { type: 'ApprovalGranted', data: by } : { type: 'ApprovalRejected', data: by });
      continue;
    }
    run.now = Math.max(run.now, wake!);
  }
  throw new Error('did not finish within 500 events');
}

/** True when `stepId` depends, directly or transitively, on a failed or cancelled step. */
function blocked(view: PlanRunView, stepId: string): boolean {
  const step = view.plan.steps.find((s) => s.id === stepId)!;
  return step.dependsOn.some((d) => ['failed', 'cancelled'].includes(view.steps[d]!.status) || blocked(view, d));
}

const ALL: Scope = { stepApprovals: true, budgetApprovals: true, halts: true };
/**
 * Every path runs over the real fold too (step and budget approvals: rejected ones settle the step,
 * a StepCancelled of a step waiting for approval withdraws it). FOLD_SCOPE='{"stepApprovals":false,…}'
 * narrows it when bisecting a failure; FOLD_RUNS raises the number of runs.
 */
const FOLD_SCOPE: Scope = process.env.FOLD_SCOPE ? (JSON.parse(process.env.FOLD_SCOPE) as Scope) : ALL;

describe.each([
  ['the tiny applier', tinyEngine, 300, ALL],
  ["the real fold (state/interaction/thread machines)", foldEngine, Number(process.env.FOLD_RUNS ?? 120), FOLD_SCOPE],
] as const)('scheduler simulation over %s (property)', (_name, makeEngine, numRuns, scope) => {
  it('respects concurrency and dependencies, always finishes, and ends as the failure policy says', () => {
    fc.assert(
      fc.property(planArb(scope), fc.array(fc.nat(), { minLength: 50, maxLength: 300 }), fc.option(fc.nat({ max: 30 }), { nil: undefined, freq: scope.halts ? 4 : 1000000 }), (g, choices, haltAt) => {
        let c = 0;
        const pick = (k: number) => (choices[c++ % choices.length]! + c) % k;
        const run = simulate(makeEngine(toView(g)), pick, haltAt);
        const view = run.engine.view();
        const steps = Object.values(view.steps);
        expect(steps.every((t) => TERMINAL.includes(t.status))).toBe(true);
        for (const s of view.plan.steps) expect(view.steps[s.id]!.attempts).toBeLessThanOrEqual(s.retry?.maxAttempts ?? 1);
        if (run.halted) {
          expect(run.engine.finished()).toBeUndefined();
          return;
        }
        const anyFailed = steps.some((t) => t.status === 'failed');
        const anyCancelled = steps.some((t) => t.status === 'cancelled');
        expect(run.engine.finished()).toBe(anyFailed ? 'failed' : anyCancelled ? 'cancelled' : 'completed');
        if (view.planApproval.status === 'rejected') expect(steps.every((t) => t.status === 'cancelled' && t.attempts === 0)).toBe(true);
        if (view.plan.failurePolicy === 'continue') {
          for (const t of steps) {
            if (t.status === 'cancelled') expect(run.ownCancels.has(t.stepId) || blocked(view, t.stepId) || view.planApproval.status === 'rejected', `${t.stepId} cancelled without cause`).toBe(true);
          }
        } else if (!anyFailed) {
          for (const t of steps) if (t.status === 'cancelled') expect(run.ownCancels.has(t.stepId) || blocked(view, t.stepId) || view.planApproval.status === 'rejected').toBe(true);
        }
      }),
      { numRuns },
    );
  });
});
