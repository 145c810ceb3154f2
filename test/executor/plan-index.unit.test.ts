/**
 * The scheduler's indexed fast path (src/executor/plan-index.ts, `scheduleIndexed`) decides exactly
 * what its full passes decide. Plans of several shapes (chains, layers joined, priorities, small
 * `maxConcurrency`, references, retries with backoff, a failure, an approval) run through the
 * runtime; their recorded facts are folded again and, at every state and every plan of a live
 * interaction, `scheduleNext` over the runtime's view (index, lazy steps) is compared with
 * `scheduleNext` over a plain copy of that view (no index: the full passes).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import type { PlanRunView } from '../../src/executor/plan-run-view.ts';
import { createPlanIndex, readyInStartOrder, setStepStatus } from '../../src/executor/plan-index.ts';
import { scheduleNext } from '../../src/executor/scheduler.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import { actionLookup } from '../../src/runtime/advance.ts';
import { resolveStepInput } from '../../src/runtime/resolve-input.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { foldSession, initialThreadState } from '../../src/history/fold/thread-state.ts';
import { interactionView, planRunView } from '../../src/history/fold/views.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const noop = defineAction({ name: 'noop', description: 'returns its input', input: z.object({ v: z.unknown().optional() }), output: z.object({ v: z.unknown().optional() }), run: async (input) => input });
let flakyCalls = 0;
const flaky = defineAction({
  name: 'flaky',
  description: 'fails its first attempt',
  input: z.object({}),
  output: z.object({}),
  run: async () => {
    if (flakyCalls++ % 2 === 0) throw Object.assign(new Error('first attempt fails'), { retryable: true });
    return {};
  },
});
const broken = defineAction({ name: 'broken', description: 'always fails', input: z.object({}), output: z.object({}), run: async () => { throw new Error('broken'); } });
const actions = createActionRegistry([noop, flaky, broken]);

type Step = { id: string; action?: string; dependsOn?: string[] | { any: string[] }; priority?: number; input?: Record<string, unknown>; retry?: object; requiresApproval?: boolean };

const chains: Step[] = [];
for (let c = 0; c < 3; c++) for (let d = 0; d < 4; d++) chains.push({ id: `c${c}_${d}`, priority: c, dependsOn: d === 0 ? [] : [`c${c}_${d - 1}`] });
const layers: Step[] = [];
for (let l = 0; l < 3; l++) {
  for (let w = 0; w < 5; w++) layers.push({ id: `l${l}_${w}`, dependsOn: l === 0 ? [] : [`j${l - 1}`], input: l === 0 ? {} : { v: `{{steps.j${l - 1}.output}}` } });
  layers.push({ id: `j${l}`, dependsOn: Array.from({ length: 5 }, (_, w) => `l${l}_${w}`) });
}
const retries: Step[] = [
  { id: 'a' },
  { id: 'f', action: 'flaky', dependsOn: ['a'], retry: { maxAttempts: 3, backoffMs: 1 } },
  { id: 'b', dependsOn: ['f'] },
  { id: 'x', action: 'broken' },
  { id: 'y', dependsOn: ['x'] },
  { id: 'z' },
];
const anyJoins: Step[] = [
  { id: 'r0' },
  { id: 'r1', dependsOn: ['r0'] },
  { id: 'r2' },
  { id: 'w', dependsOn: { any: ['r1', 'r2', 'x'] }, input: { v: '{{steps.$winner.output}}' } },
  { id: 'x', action: 'broken' },
  { id: 'q1' },
  { id: 'q2', priority: 2 },
  { id: 'v', dependsOn: { any: ['q1', 'q2'] } },
  { id: 'end', dependsOn: ['w', 'v'], input: { v: '{{steps.w.output}}' } },
];
const PLANS: Array<{ name: string; steps: Step[]; maxConcurrency: number; failurePolicy?: 'continue' }> = [
  { name: 'chains', steps: chains, maxConcurrency: 2 },
  { name: 'layers', steps: layers, maxConcurrency: 3 },
  { name: 'independent', steps: Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, priority: i % 3 })), maxConcurrency: 4 },
  { name: 'retries and a failure', steps: retries, maxConcurrency: 2 },
  { name: 'any-joins', steps: anyJoins, maxConcurrency: 2, failurePolicy: 'continue' },
  { name: 'any-joins, all slots', steps: anyJoins, maxConcurrency: 8, failurePolicy: 'continue' },
  { name: 'any-joins, fail_fast', steps: anyJoins, maxConcurrency: 8 },
];

async function recorded(steps: Step[], maxConcurrency: number, failurePolicy?: 'continue'): Promise<Fact[]> {
  const store = getInMemoryEventStore({ codec: factCodec });
  const plan = { kind: 'mini_plan', plan: { maxConcurrency, ...(failurePolicy ? { failurePolicy } : {}), steps: steps.map((s) => ({ action: 'noop', ...s })) } } as unknown as PlannerOutput;
  let calls = 0;
  const rt = createRuntime({ store, actions, plannerFor: () => ({ plan: async () => ({ output: calls++ === 0 ? plan : { kind: 'done', answer: 'ok' }, repairs: 0 }) }) as never });
  await rt.openThread({ threadId: 't', input: { text: 'go' } });
  await rt.whenSettled('t');
  await rt.close();
  const facts: Fact[] = [];
  for await (const e of store.readStream('thread-t')) facts.push({ type: e.type, data: e.data } as Fact);
  return facts;
}

/** The view without its index and lazy accessors: what the full passes see. */
const plain = (view: PlanRunView): PlanRunView => ({ ...view, steps: { ...view.steps } });

describe('scheduler fast path (plan index)', () => {
  for (const { name, steps, maxConcurrency, failurePolicy } of PLANS) {
    it(`decides as the full passes at every state: ${name}`, async () => {
      const facts = await recorded(steps, maxConcurrency, failurePolicy);
      if (failurePolicy && steps === anyJoins) {
        expect(facts.some((f) => f.type === 'StepReady')).toBe(false);
        // the winner: the first candidate in `any` order among those completed, all before the join
        // started (candidates finishing in one append may both complete; the others were superseded or failed)
        const at = (type: string, stepId: string): number => facts.findIndex((f) => f.type === type && (f.data as { stepId?: string }).stepId === stepId);
        const winnerOf = (join: string, candidates: string[]): string => {
          const done = candidates.filter((c) => at('StepCompleted', c) >= 0);
          expect(done.length).toBeGreaterThan(0);
          for (const c of done) expect(at('StepCompleted', c)).toBeLessThan(at('StepStarted', join));
          return done[0]!;
        };
        expect(['q1', 'q2']).toContain(winnerOf('v', ['q1', 'q2']));
        const w = winnerOf('w', ['r1', 'r2', 'x']);
        expect(['r1', 'r2']).toContain(w);
        const started = facts[at('StepStarted', 'w')]!;
        const completed = facts[at('StepCompleted', w)]!;
        expect(started.type === 'StepStarted' && started.data.input).toEqual({ v: completed.type === 'StepCompleted' && completed.data.output });
        // 'x' fails when it ran before a winner superseded it, else the plan completes
        const outcome = facts.find((f) => f.type === 'PlanFinished')?.data.outcome;
        expect(outcome).toBe(facts.some((f) => f.type === 'StepFailed' && f.data.stepId === 'x') ? 'failed' : 'completed');
      }
      const lookup = actionLookup(actions);
      const session = foldSession(initialThreadState('t'));
      let compared = 0;
      for (const fact of facts) {
        session.apply(fact);
        const state = session.state();
        for (const interactionId of Object.keys(state.interactions)) {
          const planId = interactionView(state, interactionId).currentPlanId;
          if (planId === undefined) continue;
          const view = planRunView(state, interactionId, planId);
          for (const nowMs of [0, 4_102_444_800_000]) {
            const ctx = { nowMs, actions: lookup, resolveInput: (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => resolveStepInput(input, outputs) };
            expect(scheduleNext(view, ctx)).toEqual(scheduleNext(plain(view), ctx));
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(steps.length);
    });
  }
});

describe('plan index', () => {
  it('orders ready steps by priority, then plan order, and drops stale heap entries', () => {
    const steps = [0, 2, 1, 2].map((priority, i) => ({ id: `s${i}`, action: 'noop', input: {}, dependsOn: [], priority }));
    const index = createPlanIndex(steps)!;
    for (let i = 0; i < 4; i++) setStepStatus(index, i, 'ready');
    expect(readyInStartOrder(index, 10)).toEqual([1, 3, 2, 0]);
    setStepStatus(index, 1, 'running');
    setStepStatus(index, 1, 'ready'); // a retry: pushed again
    expect(readyInStartOrder(index, 2)).toEqual([1, 3]);
    setStepStatus(index, 3, 'running');
    expect(readyInStartOrder(index, 10)).toEqual([1, 2, 0]);
  });

  it('counts dependencies not completed and shows pending dependents ready once they are done', () => {
    const steps = [
      { id: 'a', action: 'noop', input: {}, dependsOn: [], priority: 0 },
      { id: 'b', action: 'noop', input: {}, dependsOn: ['a', 'a'], priority: 0 },
      { id: 'c', action: 'noop', input: {}, dependsOn: ['a', 'b'], priority: 0 },
    ];
    const index = createPlanIndex(steps)!;
    expect(index.status).toEqual(['ready', 'pending', 'pending']);
    expect(index.lifecycle).toEqual(['pending', 'pending', 'pending']);
    expect(readyInStartOrder(index, 10)).toEqual([0]);
    setStepStatus(index, 0, 'running');
    setStepStatus(index, 0, 'completed');
    expect(index.status).toEqual(['completed', 'ready', 'pending']);
    expect(index.counts).toMatchObject({ pending: 1, ready: 1, completed: 1, running: 0 });
    setStepStatus(index, 1, 'running');
    expect(index.status).toEqual(['completed', 'running', 'pending']);
    setStepStatus(index, 1, 'completed');
    expect(index.status).toEqual(['completed', 'completed', 'ready']);
    expect(readyInStartOrder(index, 10)).toEqual([2]);
    expect(createPlanIndex([...steps, { ...steps[0]! }])).toBeUndefined();
  });

  it('shows an any-join ready on its first completed candidate and keeps it ready after more', () => {
    const steps = [
      { id: 'a', action: 'noop', input: {}, dependsOn: [], priority: 0 },
      { id: 'b', action: 'noop', input: {}, dependsOn: [], priority: 0 },
      { id: 'j', action: 'noop', input: {}, dependsOn: { any: ['a', 'b'] }, priority: 0 },
    ];
    const index = createPlanIndex(steps)!;
    expect(index.anyJoin).toBe(true);
    expect(index.status[2]).toBe('pending');
    setStepStatus(index, 1, 'running');
    setStepStatus(index, 1, 'completed');
    expect(index.status[2]).toBe('ready');
    setStepStatus(index, 0, 'running');
    setStepStatus(index, 0, 'completed');
    expect(index.status[2]).toBe('ready');
    setStepStatus(index, 2, 'ready'); // an old history's StepReady: still ready, counted once
    expect(index.counts.ready).toBe(1);
    setStepStatus(index, 2, 'running');
    expect(index.counts).toMatchObject({ ready: 0, running: 1, pending: 0 });
    expect(createPlanIndex([{ ...steps[1]!, dependsOn: ['nope'] }])).toBeUndefined();
  });
});
