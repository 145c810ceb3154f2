/**
 * The views' memoisation (src/history/fold/views.ts: StepView per step snapshot, a plan's step record
 * reused while its snapshots are the same objects, one PlanRunView per state) and the fold
 * session's `peek`: cached answers must always equal a view built from scratch.
 */
import { describe, expect, it } from 'vitest';
import type { PlanRunView, StepView } from '../../src/executor/plan-run-view.ts';
import { mayHoldRefs, resolveStepInput } from '../../src/runtime/resolve-input.ts';
import { applyFact, applyFacts, foldSession, initialThreadState, stepKey, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { planRunView } from '../../src/history/fold/views.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';

const history = loadHistoryFixture('basic-thread');
const facts = history.facts;

/**
 * A StepView built straight from the snapshot (what views.ts computed before memoisation), with the
 * derived status: a pending step whose dependencies all completed (none is an any-join here) shows
 * `ready` once the plan's approval gate, if any, was granted.
 */
function referenceSteps(state: ThreadState, interactionId: string, planId: string, stepIds: string[]): Record<string, StepView> {
  const out: Record<string, StepView> = {};
  const accepted = state.interactions[interactionId]!.context.plans.find((p) => p.planId === planId)!;
  const gateOpen = accepted.plan.requiresApproval !== true || accepted.approval?.status === 'granted';
  for (const stepId of stepIds) {
    const snap = state.steps[stepKey(interactionId, planId, stepId)]!;
    const c = snap.context;
    const deps = c.step.dependsOn as string[];
    const done = deps.every((d) => state.steps[stepKey(interactionId, planId, d)]!.value === 'completed');
    const status = snap.value === 'pending' && done && gateOpen ? 'ready' : snap.value;
    const view: Record<string, unknown> = { stepId, status, attempts: c.attempts, reservedUsd: c.reservedUsd, spentUsd: c.spentUsd };
    if (c.readyAtMs !== undefined) view.readyAtMs = c.readyAtMs;
    if (c.startedAtMs !== undefined) view.startedAtMs = c.startedAtMs;
    if (c.output !== undefined) view.output = c.output;
    if (c.error !== undefined) view.error = c.error;
    if (c.approval !== undefined) {
      const a = c.approval;
      view.approval = { approvalId: a.approvalId, scope: a.scope, status: a.status, requestedAtMs: a.requestedAtMs, ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}) };
    }
    out[stepId] = view as unknown as StepView;
  }
  return out;
}

/** Every (state, plan) pair of the fixture, stepwise. */
function plansAt(state: ThreadState): Array<{ interactionId: string; planId: string; stepIds: string[] }> {
  const out: Array<{ interactionId: string; planId: string; stepIds: string[] }> = [];
  for (const [interactionId, snap] of Object.entries(state.interactions)) {
    for (const p of snap.context.plans) out.push({ interactionId, planId: p.planId, stepIds: p.plan.steps.map((s) => s.id) });
  }
  return out;
}

const stepwise = (): ThreadState[] => {
  const out = [initialThreadState(history.threadId)];
  facts.forEach((f, i) => out.push(applyFact(out[i]!, f, BigInt(i))));
  return out;
};

describe('planRunView memoisation', () => {
  it('equals a view built from scratch at every offset, forwards, backwards and across two folds', () => {
    const a = stepwise();
    const b = stepwise(); // other snapshot objects, same PlanSpec objects (the facts are shared)
    const order = [...a.keys(), ...[...a.keys()].reverse()];
    let checked = 0;
    for (const i of order) {
      for (const s of [a[i]!, b[i]!]) {
        for (const p of plansAt(s)) {
          const view = planRunView(s, p.interactionId, p.planId);
          expect(view.steps).toEqual(referenceSteps(s, p.interactionId, p.planId, p.stepIds));
          expect(Object.keys(view.steps)).toEqual(p.stepIds);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('returns the same object for the same state and a fresh one after a change', () => {
    const s = stepwise();
    const withPlan = s.findIndex((x) => plansAt(x).length > 0);
    const { interactionId, planId } = plansAt(s[withPlan]!)[0]!;
    const v1 = planRunView(s[withPlan]!, interactionId, planId);
    expect(planRunView(s[withPlan]!, interactionId, planId)).toBe(v1);
    const later = s.at(-1)!;
    const v2: PlanRunView = planRunView(later, interactionId, planId);
    expect(v2).not.toBe(v1);
    expect(Object.values(v2.steps).every((t) => t.status === 'completed')).toBe(true);
    expect(Object.values(v1.steps).every((t) => t.status === 'pending' || t.status === 'ready')).toBe(true); // v1 untouched
    expect(Object.values(v1.steps).some((t) => t.status === 'ready')).toBe(true); // its roots: ready, though no fact said so
  });

  // A view reads its steps when they are asked for (building all of them per view would cost a pass
  // over the plan on every fact), so a missing step throws at that read.
  it('still throws for a missing step after the plan was cached', () => {
    const s = stepwise();
    const last = s.at(-1)!;
    const { interactionId, planId, stepIds } = plansAt(last)[0]!;
    planRunView(last, interactionId, planId).index?.();
    const steps = { ...last.steps };
    delete steps[stepKey(interactionId, planId, stepIds[1]!)];
    const broken: ThreadState = { ...last, steps };
    const view = planRunView(broken, interactionId, planId);
    expect(() => view.steps).toThrow(/step/);
    expect(() => view.stepState?.(stepIds[1]!)).toThrow(/step/);
    expect(() => view.index?.()).toThrow(/step/);
    // and the cache did not keep anything wrong: the intact state still answers correctly
    expect(planRunView({ ...last }, interactionId, planId).steps).toEqual(referenceSteps(last, interactionId, planId, stepIds));
  });
});

describe('foldSession.peek', () => {
  it('shows the current state without sealing it; state() is unchanged by peeking', () => {
    const session = foldSession(initialThreadState(history.threadId));
    const sealed: ThreadState[] = [];
    facts.forEach((f, i) => {
      session.apply(f);
      const peeked = session.peek();
      expect(peeked.revision).toBe(BigInt(i));
      expect(session.peek()).toBe(peeked); // same object until the next apply
      for (const p of plansAt(peeked)) {
        expect(planRunView(peeked, p.interactionId, p.planId).steps).toEqual(referenceSteps(peeked, p.interactionId, p.planId, p.stepIds));
      }
      if (i % 7 === 0) sealed.push(session.state());
    });
    // sealed states were never changed by later applies
    for (const s of sealed) {
      const again = applyFacts(initialThreadState(history.threadId), facts.slice(0, Number(s.revision) + 1));
      expect(Object.keys(s.steps)).toEqual(Object.keys(again.steps));
      for (const [k, t] of Object.entries(again.steps)) expect([s.steps[k]!.value, s.steps[k]!.context]).toEqual([t.value, t.context]);
    }
  });
});

describe('resolveStepInput', () => {
  it('returns the input itself when no string holds {{, and resolves references otherwise', () => {
    const input = { a: 'x', b: [1, { c: 'y' }], d: null };
    let asked = 0;
    const outputs = () => {
      asked++;
      return { s1: { v: 42 } };
    };
    expect(mayHoldRefs(input)).toBe(false);
    expect(resolveStepInput(input, outputs)).toBe(input);
    expect(asked).toBe(0);
    const withRef = { a: '{{steps.s1.output.v}}', b: ['n={{steps.s1.output.v}}'] };
    expect(mayHoldRefs(withRef)).toBe(true);
    expect(mayHoldRefs({ deep: [{ x: ['{{'] }] })).toBe(true);
    expect(resolveStepInput(withRef, outputs, { stepId: 's2' })).toEqual({ a: 42, b: ['n=42'] });
    expect(() => resolveStepInput({ a: '{{steps.nope.output}}' }, outputs, { stepId: 's2' })).toThrow(/nope/);
  });
});
