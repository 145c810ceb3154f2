/**
 * A fast-check arbitrary of plausible fact histories, for properties of projections and of anything
 * else that consumes a store's log (`readAll` order).
 *
 * A history is what a store holding several thread streams would return from `readAll`: facts in
 * position order (positions 0, 1, 2, …), each stream's revisions contiguous from 0. It is produced
 * by a small simulation of the runtime driven by a seeded PRNG, so the arbitrary is
 * `{ seed, length }` and shrinking shortens the history (a shorter length yields a prefix).
 *
 * The simulation follows the fact docs: threads opened (with a policy, sometimes a budget), inputs
 * and policy decisions (start / steer / reject), interactions planning (PlanningRequested,
 * PlannerResponded with usage, PlannerFailed, PlanRejected), plans accepted with DAG steps
 * (dependsOn on earlier steps), optional plan and step approvals (granted / rejected / timed out),
 * steps ready (a StepReady fact in some histories, as older runtimes recorded; derived otherwise)
 * → started (with reservations) → progressed → completed | failed (retried with
 * backoff, or final) | cancelled, fail_fast / dependency cancellations, crashes recorded as
 * retryable failures, interrupts and resumes, need-input and answers, budget extensions and
 * warnings, thread closes, and forks at quiescent revisions (facts copied, then ThreadForked).
 * Every payload is checked with `factCodec.encode` (a generator bug fails loudly) and stored with
 * the schema's defaults applied, as a store would return it.
 */
import fc from 'fast-check';
import { FACT_VERSIONS, type FactInput, type RecordedFact } from '../facts/fact-types.ts';
import { factCodec } from '../facts/fact-codec.ts';
import type { EventData } from '../store/event-store.ts';
import type { StepSpecInput } from '../plan/plan-schema.ts';
import { dependencyIds } from '../plan/dependencies.ts';

/** A generated history: facts in position order. */
export interface FactHistory {
  facts: RecordedFact[];
}

/** Knobs of the simulation. */
export interface HistoryOptions {
  /** Simulation steps (each emits 1–6 facts, sometimes more for forks). Default 1–60. */
  minLength?: number;
  maxLength?: number;
  /** Threads opened at most (forks included). Default 3. */
  maxThreads?: number;
  /** Time of the first fact, ms since epoch. Default 2026-01-01T00:00:00Z. */
  startMs?: number;
}

type Status = 'pending' | 'ready' | 'waiting_approval' | 'running' | 'completed' | 'failed' | 'cancelled';
interface SimStep { id: string; deps: string[]; status: Status; attempt: number; maxAttempts: number; needsApproval: boolean; approvalId?: string }
interface SimPlan { id: string; steps: SimStep[]; failFast: boolean; approval: 'none' | 'needed' | 'requested' | 'granted'; approvalId?: string }
interface SimInteraction { id: string; state: 'planning' | 'executing' | 'waiting_input' | 'interrupted'; resumeTo: 'planning' | 'executing'; iteration: number; maxIterations: number; plan?: SimPlan; plans: number }
interface SimThread { id: string; facts: RecordedFact[]; closed: boolean; live: SimInteraction[]; quiescent: number[]; budgetUsd?: number }

/** mulberry32: a tiny deterministic PRNG (public domain, Tommy Ettinger). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A possible next move and its relative weight. */
type Move = [weight: number, run: () => void];

const FINAL: Status[] = ['completed', 'failed', 'cancelled'];
const MODELS = ['gpt-4o-mini', 'gpt-4.1', 'local-llama'];
const ACTIONS = ['fs.read', 'http.get', 'llm.summarize', 'shell.run'];

/** Runs the simulation for `length` steps from `seed` (deterministic). */
export function simulateHistory(seed: number, length: number, options: HistoryOptions = {}): FactHistory {
  const rand = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const chance = (p: number): boolean => rand() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const maxThreads = options.maxThreads ?? 3;
  let now = options.startMs ?? Date.UTC(2026, 0, 1);
  let counter = 0;
  const next = (prefix: string): string => `${prefix}${++counter}`;
  const facts: RecordedFact[] = [];
  const threads: SimThread[] = [];

  const uuid = (n: number): string => `00000000-0000-4000-8000-${(seed >>> 0).toString(16).padStart(4, '0').slice(-4)}${n.toString(16).padStart(8, '0')}`;
  const append = (thread: SimThread, type: string, data: unknown): RecordedFact => {
    const encoded = factCodec.encode(type, data, undefined);
    if (!encoded.ok) throw new Error(`fact-history generator produced an invalid ${type}: ${encoded.issues.join('; ')}`);
    now += int(0, 3000);
    const fact = {
      streamId: `thread-${thread.id}`, revision: BigInt(thread.facts.length), position: BigInt(facts.length), id: uuid(facts.length + 1),
      type, data: encoded.data, metadata: { schemaVersion: FACT_VERSIONS[type as keyof typeof FACT_VERSIONS], recordedAt: new Date(now).toISOString() },
    } as RecordedFact;
    facts.push(fact);
    thread.facts.push(fact);
    return fact;
  };
  const emit = (thread: SimThread, fact: FactInput): void => void append(thread, fact.type, fact.data);
  const markQuiescent = (t: SimThread): void => {
    if (t.live.length === 0) t.quiescent.push(t.facts.length - 1);
  };

  const openThread = (): void => {
    const t: SimThread = { id: next('t'), facts: [], closed: false, live: [], quiescent: [] };
    threads.push(t);
    const budget = chance(0.4) ? { limitUsd: int(1, 20) } : undefined;
    if (budget) t.budgetUsd = budget.limitUsd;
    const policy = pick([{ kind: 'enqueue' }, { kind: 'steer' }, { kind: 'reject' }, { kind: 'parallel', max: 2 }] as const);
    emit(t, { type: 'ThreadOpened', data: { threadId: t.id, policy, ...(chance(0.6) ? { title: `Thread ${t.id}` } : {}), ...(budget ? { budget } : {}), maxIterations: int(2, 6) } });
    markQuiescent(t);
  };

  const forkThread = (parent: SimThread): void => {
    const at = pick(parent.quiescent);
    const t: SimThread = { id: next('t'), facts: [], closed: false, live: [], quiescent: [], ...(parent.budgetUsd !== undefined ? { budgetUsd: parent.budgetUsd } : {}) };
    threads.push(t);
    for (const f of parent.facts.slice(0, at + 1)) {
      if (f.type === 'ThreadClosed') continue;
      append(t, f.type, f.data);
    }
    emit(t, { type: 'ThreadForked', data: { threadId: t.id, from: { threadId: parent.id, revision: at } } });
    markQuiescent(t);
  };

  const usage = (): { model: string; inputTokens: number; outputTokens: number; costUsd: number } => ({
    model: pick(MODELS), inputTokens: int(10, 4000), outputTokens: int(0, 800), costUsd: int(0, 5000) / 100000,
  });

  const stepSpecs = (n: number): StepSpecInput[] =>
    Array.from({ length: n }, (_, i) => {
      const deps = Array.from({ length: i }, (_, j) => `s${j + 1}`).filter(() => chance(0.35)).slice(0, 2);
      return {
        id: `s${i + 1}`, action: pick(ACTIONS), input: { n: i }, dependsOn: deps,
        ...(chance(0.3) ? { retry: { maxAttempts: int(2, 3), backoffMs: 100 } } : {}),
        ...(chance(0.15) ? { requiresApproval: true } : {}),
        ...(chance(0.3) ? { description: `step ${i + 1}` } : {}),
      };
    });

  const plan = (t: SimThread, i: SimInteraction): void => {
    emit(t, { type: 'PlanningRequested', data: { interactionId: i.id, iteration: i.iteration } });
    const roll = rand();
    const thought = chance(0.7) ? { thought: `thinking ${i.iteration}` } : {};
    if (roll < 0.1) {
      emit(t, { type: 'PlannerFailed', data: { interactionId: i.id, iteration: i.iteration, error: { message: 'planner timeout', code: 'PLANNER_TIMEOUT', retryable: true }, ...(chance(0.5) ? { usage: usage() } : {}) } });
      if (chance(0.5) || i.iteration >= i.maxIterations) return endInteraction(t, i, 'failed');
      i.iteration++;
    } else if (roll < 0.25 || i.iteration >= i.maxIterations) {
      emit(t, { type: 'PlannerResponded', data: { interactionId: i.id, iteration: i.iteration, output: { kind: 'done', answer: `answer of ${i.id}`, ...thought }, usage: usage() } });
      endInteraction(t, i, 'completed');
    } else if (roll < 0.33) {
      emit(t, { type: 'PlannerResponded', data: { interactionId: i.id, iteration: i.iteration, output: { kind: 'need_input', question: 'which file?', ...thought }, usage: usage() } });
      emit(t, { type: 'InputRequested', data: { interactionId: i.id, question: 'which file?' } });
      i.state = 'waiting_input';
    } else {
      const single = chance(0.3);
      const specs = stepSpecs(single ? 1 : int(1, 5));
      const planSpec = { steps: specs, failurePolicy: chance(0.5) ? ('fail_fast' as const) : ('continue' as const), ...(chance(0.2) ? { requiresApproval: true } : {}), ...(chance(0.2) ? { budget: { limitUsd: int(1, 5) } } : {}) };
      const output = single ? { kind: 'single_action' as const, step: specs[0] as StepSpecInput, ...thought } : { kind: 'mini_plan' as const, plan: planSpec, ...thought };
      emit(t, { type: 'PlannerResponded', data: { interactionId: i.id, iteration: i.iteration, output, usage: usage() } });
      if (chance(0.08)) {
        emit(t, { type: 'PlanRejected', data: { interactionId: i.id, iteration: i.iteration, error: { message: "step 's1': input.path: required" } } });
        i.iteration++;
        return;
      }
      const planId = `p${++i.plans}`;
      emit(t, { type: 'PlanAccepted', data: { interactionId: i.id, planId, iteration: i.iteration, plan: planSpec } });
      i.plan = {
        id: planId, failFast: planSpec.failurePolicy === 'fail_fast', approval: planSpec.requiresApproval ? 'needed' : 'none',
        steps: specs.map((s) => ({ id: s.id, deps: [...dependencyIds(s.dependsOn ?? [])], status: 'pending', attempt: 0, maxAttempts: s.retry?.maxAttempts ?? 1, needsApproval: s.requiresApproval === true })),
      };
      i.state = 'executing';
    }
  };

  const ref = (i: SimInteraction, s: SimStep): { interactionId: string; planId: string; stepId: string } => ({ interactionId: i.id, planId: (i.plan as SimPlan).id, stepId: s.id });
  const cancelStep = (t: SimThread, i: SimInteraction, s: SimStep, reason: string): void => {
    emit(t, { type: 'StepCancelled', data: { ...ref(i, s), reason, ...(s.status === 'running' ? { costUsd: int(0, 100) / 10000, partialOutput: { partial: true } } : {}) } });
    s.status = 'cancelled';
  };
  const cancelDependents = (t: SimThread, i: SimInteraction, failed: SimStep): void => {
    const p = i.plan as SimPlan;
    for (const s of p.steps) {
      if (FINAL.includes(s.status)) continue;
      const blocked = s.deps.some((d) => { const dep = p.steps.find((x) => x.id === d); return dep !== undefined && (dep.status === 'failed' || dep.status === 'cancelled'); });
      if (p.failFast || blocked) cancelStep(t, i, s, p.failFast ? 'fail_fast' : `dependency '${failed.id}' did not complete`);
    }
  };
  const finishPlanIfDone = (t: SimThread, i: SimInteraction): void => {
    const p = i.plan;
    if (!p || !p.steps.every((s) => FINAL.includes(s.status))) return;
    const outcome = p.steps.every((s) => s.status === 'completed') ? 'completed' : p.steps.some((s) => s.status === 'failed') ? 'failed' : 'cancelled';
    emit(t, { type: 'PlanFinished', data: { interactionId: i.id, planId: p.id, outcome } });
    delete i.plan;
    i.state = 'planning';
    i.iteration++;
  };
  const endInteraction = (t: SimThread, i: SimInteraction, how: 'completed' | 'failed' | 'cancelled'): void => {
    if (i.plan) {
      for (const s of i.plan.steps) if (!FINAL.includes(s.status)) cancelStep(t, i, s, 'interaction cancelled');
      emit(t, { type: 'PlanFinished', data: { interactionId: i.id, planId: i.plan.id, outcome: 'cancelled' } });
    }
    if (how === 'completed') emit(t, { type: 'InteractionCompleted', data: { interactionId: i.id, answer: `answer of ${i.id}` } });
    else if (how === 'failed') emit(t, { type: 'InteractionFailed', data: { interactionId: i.id, error: { message: 'gave up', code: 'PLANNER_FAILED' } } });
    else emit(t, { type: 'InteractionCancelled', data: { interactionId: i.id, reason: 'user cancelled' } });
    t.live = t.live.filter((x) => x !== i);
    markQuiescent(t);
  };

  /** Every move enabled now, as weighted closures. */
  const moves = (): Move[] => {
    const out: Move[] = [];
    if (threads.length < maxThreads) out.push([1, openThread]);
    for (const t of threads) {
      if (threads.length < maxThreads && t.quiescent.length > 0 && t.facts.length > 2) out.push([0.4, () => forkThread(t)]);
      if (t.closed) continue;
      if (t.live.length < 2) out.push([t.live.length === 0 ? 2 : 0.5, () => {
        const inputId = next('in');
        const interactionId = next('i');
        emit(t, { type: 'InputReceived', data: { inputId, text: `please do step ${counter}`, from: 'user' } });
        emit(t, { type: 'PolicyApplied', data: { inputId, decision: 'start', policy: 'enqueue', reason: 'idle', interactionId } });
        const maxIterations = int(2, 6);
        emit(t, { type: 'InteractionStarted', data: { interactionId, inputId, text: `please do step ${counter}`, maxIterations } });
        t.live.push({ id: interactionId, state: 'planning', resumeTo: 'planning', iteration: 1, maxIterations, plans: 0 });
      }]);
      if (t.live.length === 0) out.push([0.15, () => { emit(t, { type: 'ThreadClosed', data: { reason: 'done' } }); t.closed = true; markQuiescent(t); }]);
      out.push([0.2, () => {
        if (chance(0.5)) emit(t, { type: 'BudgetExtended', data: { limitUsd: int(5, 50), by: 'alice', ...(t.live[0] && chance(0.5) ? { interactionId: t.live[0].id } : {}) } });
        else emit(t, { type: 'BudgetWarned', data: { spentUsd: int(0, 90) / 10, limitUsd: 10, ...(t.live[0]?.plan && chance(0.5) ? { interactionId: t.live[0].id, planId: t.live[0].plan.id } : {}) } });
        markQuiescent(t);
      }]);
      for (const i of t.live) interactionMoves(t, i, out);
    }
    return out;
  };

  const interactionMoves = (t: SimThread, i: SimInteraction, out: Move[]): void => {
    out.push([0.1, () => endInteraction(t, i, 'cancelled')]);
    if (i.state === 'interrupted') {
      out.push([2, () => { emit(t, { type: 'Resumed', data: { interactionId: i.id, by: 'alice' } }); i.state = i.resumeTo; }]);
      return;
    }
    if (i.state === 'waiting_input') {
      out.push([2, () => {
        const inputId = next('in');
        emit(t, { type: 'InputReceived', data: { inputId, text: 'the README' } });
        emit(t, { type: 'PolicyApplied', data: { inputId, decision: 'steer', policy: 'steer', reason: 'answer', interactionId: i.id } });
        emit(t, { type: 'InputMerged', data: { interactionId: i.id, inputId, text: 'the README' } });
        i.state = 'planning';
        i.iteration++;
      }]);
      return;
    }
    out.push([0.1, () => { emit(t, { type: 'Interrupted', data: { interactionId: i.id, kind: 'user_request', reason: 'pause' } }); i.resumeTo = i.state as 'planning' | 'executing'; i.state = 'interrupted'; }]);
    if (i.state === 'planning') {
      out.push([4, () => plan(t, i)]);
      return;
    }
    const p = i.plan as SimPlan;
    if (p.approval === 'needed') {
      out.push([3, () => { p.approvalId = next('a'); emit(t, { type: 'ApprovalRequested', data: { approvalId: p.approvalId, interactionId: i.id, planId: p.id, scope: 'plan', reason: 'plan needs approval', requestedAtMs: now, timeoutMs: 60000 } }); p.approval = 'requested'; }]);
      return;
    }
    if (p.approval === 'requested') {
      const ids = { approvalId: p.approvalId as string, interactionId: i.id, planId: p.id };
      out.push([2, () => { emit(t, { type: 'ApprovalGranted', data: { ...ids, by: 'alice' } }); p.approval = 'granted'; }]);
      out.push([1, () => {
        emit(t, { type: 'ApprovalRejected', data: { ...ids, by: 'system', timedOut: chance(0.5) } });
        for (const s of p.steps) cancelStep(t, i, s, 'plan rejected');
        finishPlanIfDone(t, i);
      }]);
      return;
    }
    for (const s of p.steps) stepMoves(t, i, p, s, out);
  };

  const stepMoves = (t: SimThread, i: SimInteraction, p: SimPlan, s: SimStep, out: Move[]): void => {
    const r = ref(i, s);
    const depsDone = s.deps.every((d) => p.steps.find((x) => x.id === d)?.status === 'completed');
    if (s.status === 'pending' && depsDone) out.push([3, () => {
      // readiness follows from the plan: histories written before recorded it (StepReady), newer ones do not
      if (chance(0.3)) emit(t, { type: 'StepReady', data: r });
      if (s.needsApproval) {
        s.approvalId = next('a');
        emit(t, { type: 'ApprovalRequested', data: { approvalId: s.approvalId, ...r, scope: 'step', reason: 'step needs approval', requestedAtMs: now } });
        s.status = 'waiting_approval';
      } else s.status = 'ready';
    }]);
    if (s.status === 'waiting_approval') {
      out.push([2, () => { emit(t, { type: 'ApprovalGranted', data: { approvalId: s.approvalId as string, ...r, by: 'alice', reason: 'ok' } }); s.status = 'ready'; }]);
      out.push([1, () => {
        emit(t, { type: 'ApprovalRejected', data: { approvalId: s.approvalId as string, ...r, by: 'bob' } });
        cancelStep(t, i, s, 'approval rejected');
        cancelDependents(t, i, s);
        finishPlanIfDone(t, i);
      }]);
    }
    if (s.status === 'ready') out.push([3, () => {
      s.attempt++;
      emit(t, { type: 'StepStarted', data: { ...r, attempt: s.attempt, idempotencyKey: `${i.id}:${p.id}:${s.id}:${s.attempt}`, input: { n: 1 }, reservedUsd: int(0, 50) / 1000, startedAtMs: now } });
      s.status = 'running';
    }]);
    if (s.status === 'running') {
      out.push([1, () => emit(t, { type: 'StepProgressed', data: { ...r, attempt: s.attempt, message: `working on ${s.id}`, ...(chance(0.3) ? { data: { pct: int(0, 100) } } : {}) } })]);
      out.push([3, () => {
        emit(t, { type: 'StepCompleted', data: { ...r, attempt: s.attempt, output: chance(0.5) ? `output of ${s.id}` : { lines: int(0, 99), ok: true }, costUsd: int(0, 100) / 1000, durationMs: int(1, 5000) } });
        s.status = 'completed';
        finishPlanIfDone(t, i);
      }]);
      out.push([1.2, () => {
        const retry = s.attempt < s.maxAttempts;
        const crashed = chance(0.2);
        const retryInMs = retry ? 100 * 2 ** (s.attempt - 1) : null;
        emit(t, { type: 'StepFailed', data: { ...r, attempt: s.attempt, error: crashed ? { message: 'process crashed during the attempt', code: 'CRASHED', retryable: true } : { message: 'HTTP 503', code: 'HTTP_503', retryable: retry }, retryInMs, retryAtMs: retryInMs === null ? null : now + retryInMs, costUsd: int(0, 50) / 1000, durationMs: int(1, 3000) } });
        s.status = retry ? 'ready' : 'failed';
        if (!retry) cancelDependents(t, i, s);
        finishPlanIfDone(t, i);
      }]);
    }
    if (!FINAL.includes(s.status)) out.push([0.05, () => { cancelStep(t, i, s, 'cancelled by user'); cancelDependents(t, i, s); finishPlanIfDone(t, i); }]);
  };

  for (let n = 0; n < length; n++) {
    const enabled = moves();
    if (enabled.length === 0) break; // every thread closed and no room for another
    let x = rand() * enabled.reduce((sum, [w]) => sum + w, 0);
    const chosen = enabled.find(([w]) => (x -= w) < 0) ?? (enabled[enabled.length - 1] as Move);
    chosen[1]();
  }
  return { facts };
}

/** The arbitrary: `{ seed, length }` → a simulated history (see the module docstring). */
export function factHistoryArbitrary(options: HistoryOptions = {}): fc.Arbitrary<FactHistory> {
  return fc
    .record({ seed: fc.integer({ min: 0, max: 0xffff }), length: fc.integer({ min: options.minLength ?? 1, max: options.maxLength ?? 60 }) })
    .map(({ seed, length }) => simulateHistory(seed, length, options));
}

/** A recorded fact as the EventData to append it again (same id, type, data, schema version). */
export function toEventData(fact: RecordedFact): EventData {
  return { id: fact.id, type: fact.type, data: fact.data, metadata: { schemaVersion: fact.metadata.schemaVersion } };
}
