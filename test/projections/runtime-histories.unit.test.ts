/**
 * The projection properties on histories recorded by the REAL runtime: random scenarios
 * drive `createRuntime` over an in-memory store with a SimulatedClock and sequential ids — several
 * threads under random policies and budgets, random plans (DAGs with retries, step and plan
 * approvals, plan budgets, failure policies, invalid plans), planner failures and need-input
 * questions, approvals and rejections, cancels, interrupts/resumes, clock ticks, forks, closes and
 * crashes (the runtime dropped, a new one loading every thread from the store).
 *
 * On the store's whole log, every projection passes the checks of `projection-checks.ts`
 * (pure + JSON, live = rebuild for any chunking, persisted restart at any position, as-of = prefix
 * fold) and the interaction streams are resumable. The projections must also agree with the
 * runtime's own state at the end: step statuses and attempts (steps, dag) = the step machines'
 * (`planRunView`), and after EVERY fact step statuses and attempts equal those of the runtime's fold
 * (`step-status-checks.ts`); live interactions and pending approvals (threads) = `threadView` /
 * `interactionView`; costs = the costs recorded in the facts and the thread's spent/reserved sums;
 * each plan's status in `dag` = `running` while it is the interaction's current plan, else the outcome
 * of its steps; its critical path = the longest path by recorded durations over the completed steps,
 * computed here by the textbook longest-path DP over the DAG.
 *
 * Reproducible: the seed is fixed (`RUNTIME_HISTORY_SEED` to explore others) and printed; the number
 * of runs (`RUNTIME_HISTORY_RUNS`, default 30) makes the coverage assertions hold for any seed (the
 * rarest asserted fact type appears in ~30% of runs: all 30 miss it with probability < 1e-4).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costsProjection, threadCosts } from '../../projections/costs.ts';
import { dagInteraction, dagProjection } from '../../projections/dag.ts';
import { getKeyed, keyedEntries } from '../../projections/shared/keyed-map.ts';
import { stepInteraction, stepsProjection } from '../../projections/steps.ts';
import { threadsProjection, threadListing as projectedThread } from '../../projections/threads.ts';
import { SimulatedClock } from '../../src/core/clock.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import type { Usage } from '../../src/facts/facts/common.ts';
import type { PolicySpec } from '../../src/facts/facts/thread-facts.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import type { Planner, PlanningRequest } from '../../src/planner/planner.ts';
import { foldFacts, type Projection } from '../../src/projections/projection.ts';
import { forkThread } from '../../src/runtime/fork.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import type { PlanRunView } from '../../src/executor/plan-run-view.ts';
import { planRunView, type InteractionStatus } from '../../src/history/fold/views.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog, type InMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { testActions } from '../runtime/runtime-fixtures.ts';
import { cutsArbitrary, readAllFacts } from './history-store.ts';
import { checkStepsPerRevision } from './step-status-checks.ts';
import { checkAsOfPrefix, checkInteractionStreamResumable, checkLiveEqualsRebuild, checkPersistedRestart, checkPureAndJson } from './projection-checks.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { dependencyIds } from '../../src/plan/dependencies.ts';

/** A planner script step: an output, or `fail` (the planner throws → PlannerFailed). */
type ScriptStep = PlannerOutput | 'fail';

const stepArb = (i: number) =>
  fc.record({
    action: fc.constantFrom('t.ok', 't.ok', 't.flaky', 't.gate', 't.gate', 't.boom', 't.llm'),
    failTimes: fc.integer({ min: 0, max: 2 }),
    deps: fc.uniqueArray(fc.nat({ max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : 2 }),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    approval: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  }).map((s) => ({
    id: `s${i}`,
    action: s.action,
    input: s.action === 't.ok' ? { value: i } : s.action === 't.flaky' ? { failTimes: s.failTimes } : s.action === 't.llm' ? { model: i % 2 === 0 ? 'm-odd' : 'm-step', failTimes: s.failTimes } : {},
    dependsOn: s.deps.map((d) => `s${d}`),
    retry: { maxAttempts: s.maxAttempts, backoffMs: 200 },
    ...(s.approval ? { requiresApproval: true } : {}),
  }));

const planArb: fc.Arbitrary<PlannerOutput> = fc
  .integer({ min: 1, max: 4 })
  .chain((n) =>
    fc.record({
      steps: fc.tuple(...Array.from({ length: n }, (_, i) => stepArb(i))),
      approval: fc.constantFrom('none', 'none', 'gate', 'timeout'),
      budget: fc.option(fc.record({ limitUsd: fc.constantFrom(0.005, 0.015, 0.05), onExceed: fc.constantFrom('approve', 'fail') }), { freq: 3 }),
      failurePolicy: fc.constantFrom('fail_fast', 'continue'),
    }),
  )
  .map((p) => ({
    kind: 'mini_plan',
    plan: {
      steps: p.steps,
      failurePolicy: p.failurePolicy,
      ...(p.approval !== 'none' ? { requiresApproval: true } : {}),
      ...(p.approval === 'timeout' || p.steps.some((s) => 'requiresApproval' in s) ? { approvalTimeoutMs: 1_000 } : {}),
      ...(p.budget ? { budget: p.budget } : {}),
    },
  }) as unknown as PlannerOutput);

const scriptStepArb: fc.Arbitrary<ScriptStep> = fc.oneof(
  { weight: 6, arbitrary: planArb },
  { weight: 2, arbitrary: fc.constant<ScriptStep>({ kind: 'done', answer: 'ok' }) },
  { weight: 1, arbitrary: fc.constant<ScriptStep>({ kind: 'need_input', question: 'which one?' }) },
  { weight: 1, arbitrary: fc.constant<ScriptStep>('fail') },
  { weight: 1, arbitrary: fc.constant({ kind: 'mini_plan', plan: { steps: [{ id: 'x', action: 't.ok', dependsOn: ['nope'] }] } } as unknown as ScriptStep) },
  { weight: 1, arbitrary: fc.constant({ kind: 'single_action', step: { id: 'one', action: 't.ok', input: { value: 'single' } } } as unknown as ScriptStep) },
);

type Cmd =
  | { k: 'send'; t: number; script: ScriptStep[] }
  | { k: 'release'; pick: number; ok: boolean }
  | { k: 'decide'; pick: number; grant: boolean }
  | { k: 'cancel'; t: number; pick: number }
  | { k: 'interrupt'; t: number; pick: number }
  | { k: 'resume'; t: number }
  | { k: 'tick'; ms: number }
  | { k: 'crash' }
  | { k: 'fork'; t: number; at: number }
  | { k: 'close'; t: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('send' as const), t: fc.nat(), script: fc.array(scriptStepArb, { minLength: 1, maxLength: 3 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('release' as const), pick: fc.nat(), ok: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('decide' as const), pick: fc.nat(), grant: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), t: fc.nat(), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('interrupt' as const), t: fc.nat(), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('resume' as const), t: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.constantFrom(50, 600, 2_000) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'crash' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fork' as const), t: fc.nat(), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('close' as const), t: fc.nat() }) },
);

const threadArb = fc.record({
  policy: fc.constantFrom<PolicySpec>({ kind: 'enqueue' }, { kind: 'reject' }, { kind: 'interrupt' }, { kind: 'steer' }, { kind: 'parallel', max: 2 }),
  budget: fc.option(fc.record({ limitUsd: fc.constantFrom(0.01, 0.03, 0.2), onExceed: fc.constantFrom('approve' as const, 'fail' as const) }), { freq: 3 }),
  maxIterations: fc.integer({ min: 2, max: 4 }),
});

type ThreadSpec = typeof threadArb extends fc.Arbitrary<infer T> ? T : never;

/** A random scenario: the threads opened first, then commands. */
const scenarioArb = fc.record({ threads: fc.array(threadArb, { minLength: 1, maxLength: 3 }), cmds: fc.array(cmdArb, { minLength: 5, maxLength: 30 }) });

/** The planner: answers from the script registered for the interaction's input (iteration i → script[i-1], then `done`). */
function scriptedByInput(scripts: Map<string, ScriptStep[]>): Planner {
  return {
    async plan(req: PlanningRequest) {
      const step = scripts.get(req.input)?.[req.iteration - 1] ?? { kind: 'done', answer: `done ${req.input}` };
      if (step === 'fail') throw Object.assign(new Error('planner unavailable'), { code: 'PLANNER_DOWN' });
      return { output: step, repairs: 0, usage: { model: req.iteration % 2 === 0 ? 'm-even' : 'm-odd', inputTokens: 10 * req.iteration, outputTokens: 3, costUsd: 0.001 } };
    },
  };
}

interface World {
  log: InMemoryLog;
  clock: SimulatedClock;
  store: EventStore;
  actions: ReturnType<typeof testActions>;
  scripts: Map<string, ScriptStep[]>;
  rt: Runtime;
  boots: number;
  threads: string[];
  inputs: number;
}

const flush = async (turns = 12): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};
const swallow = (p: Promise<unknown>): Promise<void> => p.then(() => undefined, () => undefined);

function boot(w: World): void {
  w.boots += 1;
  w.store = getInMemoryEventStore({ codec: factCodec, clock: w.clock, log: w.log });
  const planner = scriptedByInput(w.scripts);
  w.rt = createRuntime({ store: w.store, actions: w.actions.registry, plannerFor: () => planner, clock: w.clock, ids: sequentialIds(w.boots) });
}

const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length === 0 ? undefined : xs[n % xs.length]);

/** [threadId, approvalId] of every pending approval of a live interaction, over every thread. */
function pendingApprovals(w: World): Array<[string, string]> {
  return w.threads.flatMap((t) => {
    const s = w.rt.state(t);
    return s.live.flatMap((id) => s.interactions[id]!.pendingApprovals.map((a): [string, string] => [t, a]));
  });
}

async function run(w: World, c: Cmd): Promise<void> {
  const t = pick(w.threads, 't' in c ? c.t : 0) as string;
  switch (c.k) {
    case 'send': {
      const text = `q${++w.inputs}`;
      w.scripts.set(text, c.script);
      return swallow(w.rt.send(t, text));
    }
    case 'release': {
      const key = pick([...w.actions.gate.pending.keys()], c.pick);
      if (key === undefined) return;
      if (c.ok) w.actions.gate.release(key, { released: key });
      else w.actions.gate.fail(key, Object.assign(new Error('gate failed'), { retryable: c.pick % 2 === 0 }));
      return;
    }
    case 'decide': {
      const p = pick(pendingApprovals(w), c.pick);
      if (!p) return;
      return swallow(c.grant ? w.rt.approve(p[0], p[1], { by: 'alice' }) : w.rt.reject(p[0], p[1], { by: 'bob', reason: 'no' }));
    }
    case 'cancel':
      return swallow(w.rt.cancel(t, { interactionId: pick(Object.keys(w.rt.state(t).interactions), c.pick) ?? 'i1', reason: 'changed my mind' }));
    case 'interrupt':
      return swallow(w.rt.interrupt(t, pick(w.rt.state(t).live, c.pick) ?? 'i1', { kind: 'user_request' }));
    case 'resume':
      return swallow(w.rt.resume(t));
    case 'tick':
      w.clock.increment(c.ms);
      return;
    case 'crash':
      await w.rt.close();
      boot(w);
      for (const id of w.threads) await w.rt.load(id);
      return;
    case 'fork': {
      const revision = w.rt.state(t).revision;
      const newThreadId = `f${w.threads.length}`;
      await forkThread(w.store, { threadId: t, atRevision: BigInt(c.at) % (revision + 1n), newThreadId, ids: sequentialIds(0x8000 + w.threads.length) });
      await w.rt.load(newThreadId);
      w.threads.push(newThreadId);
      return;
    }
    case 'close':
      return swallow(w.rt.closeThread(t, { reason: 'done for today' }));
  }
}

/** Releases gates, grants approvals, resumes and ticks for a while (not to the end: a question may stay open). */
async function drain(w: World): Promise<void> {
  for (let i = 0; i < 25; i++) {
    for (const k of [...w.actions.gate.pending.keys()]) w.actions.gate.release(k, { released: k });
    for (const [t, a] of pendingApprovals(w)) await swallow(w.rt.approve(t, a, { by: 'drain' }));
    for (const t of w.threads) await swallow(w.rt.resume(t));
    w.clock.increment(600);
    await flush();
    if (w.actions.gate.pending.size === 0 && w.clock.pendingTimers() === 0 && pendingApprovals(w).length === 0) break;
  }
  for (const t of w.threads) await Promise.race([w.rt.whenIdle(t), flush(50)]);
}

/** Records a scenario with the real runtime; returns the world (runtime still open) and the store's whole log. */
async function record(scenario: { threads: Array<ThreadSpec>; cmds: Cmd[] }): Promise<{ w: World; facts: RecordedFact[] }> {
  const w = { log: createInMemoryLog(), clock: new SimulatedClock(Date.UTC(2026, 0, 1)), actions: testActions(), scripts: new Map(), boots: 0, threads: [], inputs: 0 } as unknown as World;
  boot(w);
  for (const [i, t] of scenario.threads.entries()) {
    await w.rt.openThread({ threadId: `t${i}`, title: i === 0 ? 'first' : undefined, policy: t.policy, maxIterations: t.maxIterations, ...(t.budget ? { budget: t.budget } : {}) } as Parameters<Runtime['openThread']>[0]);
    w.threads.push(`t${i}`);
  }
  for (const c of scenario.cmds) {
    await run(w, c);
    await flush();
  }
  await drain(w);
  return { w, facts: await readAllFacts(w.store) };
}

const LIVE_STATE: Partial<Record<InteractionStatus, string>> = { waiting_approval: 'waiting_approval', waiting_input: 'waiting_input', interrupted: 'interrupted' };
const usdOf = (f: RecordedFact): number => {
  const d = f.data as { costUsd?: number; usage?: { costUsd: number } };
  return f.type.startsWith('Step') ? (d.costUsd ?? 0) : f.type.startsWith('Planner') ? (d.usage?.costUsd ?? 0) : 0;
};

/** The LLM usage a fact records: a planner call's, or a step attempt's (one entry per model). */
const llmUsageOf = (f: RecordedFact): Usage[] => {
  const u = (f.data as { usage?: Usage | Usage[] }).usage;
  if (u === undefined || !(f.type.startsWith('Planner') || f.type.startsWith('Step'))) return [];
  return Array.isArray(u) ? u : [u];
};

/** Outcome of a finished plan from its steps (the rule of the executor's scheduler). */
const planOutcome = (statuses: readonly string[]): 'completed' | 'failed' | 'cancelled' =>
  statuses.includes('failed') ? 'failed' : statuses.includes('cancelled') ? 'cancelled' : 'completed';

/**
 * Length of the longest path by recorded durations over the completed steps (ms): the DP
 * `path(n) = run(n) + max(path(d))` over completed dependencies d (memoised recursion). Also returns
 * each completed step's `run` (sum of the durations its StepCompleted/StepFailed facts recorded).
 */
function longestCompletedPath(run: PlanRunView, facts: readonly RecordedFact[]): { durationMs: number; runMs: Map<string, number> } {
  const runMs = new Map<string, number>();
  for (const f of facts) {
    if (f.type !== 'StepCompleted' && f.type !== 'StepFailed') continue;
    if (f.streamId !== `thread-${run.threadId}` || f.data.interactionId !== run.interactionId || f.data.planId !== run.planId) continue;
    runMs.set(f.data.stepId, (runMs.get(f.data.stepId) ?? 0) + f.data.durationMs);
  }
  const path = new Map<string, number>();
  const done = (id: string): boolean => run.steps[id]?.status === 'completed';
  const deps = new Map(run.plan.steps.map((s) => [s.id, dependencyIds(s.dependsOn)]));
  const pathOf = (id: string): number => {
    const known = path.get(id);
    if (known !== undefined) return known;
    const value = (runMs.get(id) ?? 0) + Math.max(0, ...(deps.get(id) ?? []).filter(done).map(pathOf));
    path.set(id, value);
    return value;
  };
  for (const s of run.plan.steps) if (done(s.id)) pathOf(s.id);
  return { durationMs: Math.max(0, ...path.values()), runMs };
}

/** The projections folded over the log agree with the runtime's own state of every thread. */
function checkAgainstRuntime(w: World, facts: readonly RecordedFact[], coverage: Set<string>): void {
  const steps = foldFacts(stepsProjection, facts);
  const dag = foldFacts(dagProjection, facts);
  const costs = foldFacts(costsProjection, facts);
  const threads = foldFacts(threadsProjection, facts);
  for (const threadId of w.threads) {
    const summary = w.rt.state(threadId);
    const where = `thread ${threadId}`;
    for (const [interactionId, view] of Object.entries(summary.interactions)) {
      for (const planId of view.planIds) {
        const run = planRunView(summaryState(summary), interactionId, planId);
        const rows = stepInteraction(steps, threadId, interactionId)?.plans[planId];
        const nodes = dagInteraction(dag, threadId, interactionId)?.plans[planId];
        for (const [stepId, step] of Object.entries(run.steps)) {
          const at = `${where} ${interactionId}/${planId}/${stepId}`;
          expect(rows?.steps[stepId]?.status, `steps status ${at}`).toBe(step.status);
          expect(nodes?.nodes[stepId]?.status, `dag status ${at}`).toBe(step.status);
          expect(rows?.steps[stepId]?.attempts, `steps attempts ${at}`).toBe(step.attempts);
          expect(nodes?.nodes[stepId]?.attempts, `dag attempts ${at}`).toBe(step.attempts);
        }
        expect(nodes?.ready, `dag ready ${where} ${interactionId}/${planId}`).toEqual(run.plan.steps.map((s) => s.id).filter((id) => run.steps[id]?.status === 'ready'));
        const statuses = Object.values(run.steps).map((t) => t.status);
        const finished = view.currentPlanId !== planId;
        expect(nodes?.status, `dag plan status ${where} ${interactionId}/${planId}`).toBe(finished ? planOutcome(statuses) : 'running');
        if (finished) coverage.add(`plan ${planOutcome(statuses)}`);
        const longest = longestCompletedPath(run, facts);
        const cp = nodes?.criticalPath;
        const at = `dag critical path ${where} ${interactionId}/${planId}: ${JSON.stringify(cp)}`;
        expect(cp?.durationMs, at).toBe(longest.durationMs);
        expect(cp?.stepIds.length === 0, at).toBe(!statuses.includes('completed'));
        // a chain of completed steps, each depending on the one before, whose durations add up
        cp?.stepIds.forEach((id, i) => {
          expect(run.steps[id]?.status, at).toBe('completed');
          if (i > 0) expect(run.plan.steps.find((x) => x.id === id)?.dependsOn, at).toContain(cp.stepIds[i - 1]);
        });
        expect(cp?.stepIds.reduce((sum, id) => sum + (longest.runMs.get(id) ?? 0), 0), at).toBe(cp?.durationMs);
        if ((cp?.stepIds.length ?? 0) > 1 && (cp?.durationMs ?? 0) > 0) coverage.add('critical path of 2+ steps');
      }
    }
    const projected = projectedThread(threads, threadId);
    expect(projected?.liveInteractions, `threads live ${where}`).toEqual(
      summary.live.map((id) => ({ interactionId: id, state: LIVE_STATE[summary.interactions[id]!.status] ?? 'running' })),
    );
    for (const id of summary.live) {
      expect((projected?.pendingApprovals[id] ?? []).map((p) => p.approvalId).sort(), `pending approvals ${where} ${id}`).toEqual([...summary.interactions[id]!.pendingApprovals].sort());
    }
    expect(projected?.status, `threads status ${where}`).toBe(summary.status === 'closed' ? 'closed' : summary.live.length > 0 ? 'active' : 'idle');
    const mine = facts.filter((f) => f.streamId === `thread-${threadId}`);
    const c = threadCosts(costs, threadId);
    const recorded = mine.reduce((s, f) => s + usdOf(f), 0);
    expect(c?.total.usd, `costs total ${where}`).toBeCloseTo(recorded, 9);
    expect(c?.total.usd, `costs vs runtime spent ${where}`).toBeCloseTo(summary.spentUsd, 9);
    // LLM requests and tokens per model: the planner's usage and the steps' (every attempt)
    const byModel: Record<string, { calls: number; inputTokens: number; outputTokens: number }> = {};
    for (const u of mine.flatMap(llmUsageOf)) {
      const m = (byModel[u.model] ??= { calls: 0, inputTokens: 0, outputTokens: 0 });
      m.calls += u.calls ?? 1;
      m.inputTokens += u.inputTokens;
      m.outputTokens += u.outputTokens;
    }
    const llmCalls = Object.values(byModel).reduce((n, m) => n + m.calls, 0);
    expect(c?.total.calls ?? 0, `costs calls ${where}`).toBe(llmCalls);
    expect(Object.values(c?.models ?? {}).reduce((n, m) => n + m.calls, 0), `model calls ${where}`).toBe(llmCalls);
    expect(Object.fromEntries(Object.entries(c?.models ?? {}).map(([k, m]) => [k, { calls: m.calls, inputTokens: m.inputTokens, outputTokens: m.outputTokens }])), `model rows ${where}`).toEqual(byModel);
    if (mine.some((f) => f.type.startsWith('Step') && (f.data as { usage?: unknown }).usage !== undefined)) coverage.add('step LLM usage');
    expect(c?.reservedUsd, `costs vs runtime reserved ${where}`).toBeCloseTo(summary.reservedUsd, 9);
    for (const [interactionId, ic] of keyedEntries(c?.interactions ?? { count: 0, flat: [], slots: null })) {
      const own = mine.filter((f) => (f.data as { interactionId?: string }).interactionId === interactionId).reduce((s, f) => s + usdOf(f), 0);
      expect(ic.total.usd, `costs of ${where} ${interactionId}`).toBeCloseTo(own, 9);
    }
    if (summary.budget) {
      expect(c?.budget, `thread budget ${where}`).toMatchObject({ limitUsd: summary.budget.limitUsd, warned: summaryState(summary).thread.context.warnedLimitsUsd.includes(summary.budget.limitUsd) });
      expect(c?.budget?.spentUsd).toBeCloseTo(summary.spentUsd, 9);
    }
    for (const [interactionId, view] of Object.entries(summary.interactions)) {
      const last = view.planIds[view.planIds.length - 1];
      const budget = last === undefined ? undefined : planRunView(summaryState(summary), interactionId, last);
      if (!budget?.plan.budget || !budget.budget) continue;
      const ic = getKeyed(c?.interactions ?? { count: 0, flat: [], slots: null }, interactionId);
      const at = `plan budget ${where} ${interactionId}/${last}`;
      expect(ic?.budget, at).toMatchObject({ limitUsd: budget.budget.limitUsd, warned: budget.budget.warned });
      expect(ic?.budget?.spentUsd, at).toBeCloseTo(budget.budget.spentUsd, 9);
      expect(ic?.budget?.reservedUsd, at).toBeCloseTo(budget.budget.reservedUsd, 9);
    }
    expect(getKeyed(threads.threads, threadId)?.lastRevision, `threads lastRevision ${where}`).toBe(Number(summary.revision));
  }
}

const PROJECTIONS = [stepsProjection, dagProjection, costsProjection, threadsProjection] as Array<Projection<unknown>>;

const SEED = Number(process.env.RUNTIME_HISTORY_SEED ?? 20_261_205);
const RUNS = Number(process.env.RUNTIME_HISTORY_RUNS ?? 30);

describe('projections on histories recorded by the real runtime', () => {
  it('agree with the runtime and satisfy every projection property', async () => {
    console.log(`runtime-histories: seed ${SEED}, ${RUNS} runs (RUNTIME_HISTORY_SEED / RUNTIME_HISTORY_RUNS to change)`);
    const seen = new Set<string>();
    const perRun = new Map<string, number>();
    let total = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.nat(), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }), async (scenario, n, maxBatchFacts, saveEvery) => {
        const { w, facts } = await record(scenario);
        try {
          for (const f of facts) seen.add(f.type);
          for (const t of new Set(facts.map((f) => f.type))) perRun.set(t, (perRun.get(t) ?? 0) + 1);
          total += facts.length;
          checkAgainstRuntime(w, facts, seen);
          checkStepsPerRevision(facts, seen);
          const cuts = fc.sample(cutsArbitrary(facts.length), { seed: n, numRuns: 1 })[0] ?? new Set<number>();
          for (const projection of PROJECTIONS) {
            checkPureAndJson(projection, facts);
            await checkLiveEqualsRebuild(projection, facts, cuts, maxBatchFacts);
            await checkPersistedRestart(projection, facts, n % facts.length, saveEvery);
            await checkAsOfPrefix(projection, w.store, facts, n);
          }
          await checkInteractionStreamResumable(w.store, facts, n);
        } finally {
          await w.rt.close();
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The scenarios reach what the projections care about (a generator that drifted would be caught here).
    for (const t of ['PlanAccepted', 'PlanFinished', 'StepCompleted', 'StepFailed', 'StepCancelled', 'ApprovalGranted', 'ApprovalRejected', 'PlannerResponded', 'InteractionCompleted', 'ThreadForked', 'plan completed', 'plan failed', 'plan cancelled', 'critical path of 2+ steps', 'step LLM usage',
      'steps compared', 'step pending', 'step ready', 'step waiting_approval', 'step running', 'step completed', 'step failed', 'step cancelled']) {
      expect(seen, `${t} (seed ${SEED})`).toContain(t);
    }
    if (process.env.RUNTIME_HISTORY_STATS) console.log(total, JSON.stringify(Object.fromEntries([...perRun].sort())));
    expect(total, `seed ${SEED}`).toBeGreaterThan(200);
  });
});
