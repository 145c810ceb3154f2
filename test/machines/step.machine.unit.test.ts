import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepMachine } from '../../machines/step.machine.ts';
import type { StepEvent } from '../../machines/step-lifecycle.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import type { StepSpec } from '../../src/plan/plan-schema.ts';
import { run, start, tryStep } from './helpers.ts';

const ref = { interactionId: 'i1', planId: 'p1', stepId: 's1' };
const stepSpec = (maxAttempts: number): StepSpec => ({
  id: 's1',
  action: 'echo',
  input: {},
  dependsOn: [],
  priority: 0,
  retry: { maxAttempts, backoffMs: 10, maxBackoffMs: 100 },
});
const input = (maxAttempts = 3) => ({ interactionId: 'i1', planId: 'p1', step: stepSpec(maxAttempts) });

const f = {
  ready: (): Fact => ({ type: 'StepReady', data: ref }),
  started: (attempt: number): Fact => ({
    type: 'StepStarted',
    data: { ...ref, attempt, idempotencyKey: `k${attempt}`, reservedUsd: 0.5, startedAtMs: 1000 * attempt },
  }),
  progressed: (attempt: number): Fact => ({ type: 'StepProgressed', data: { ...ref, attempt, message: 'half way' } }),
  completed: (attempt: number): Fact => ({ type: 'StepCompleted', data: { ...ref, attempt, output: { ok: attempt }, costUsd: 0.25, durationMs: 5 } }),
  failed: (attempt: number, retryAtMs: number | null): Fact => ({
    type: 'StepFailed',
    data: { ...ref, attempt, error: { message: 'boom' }, retryInMs: retryAtMs === null ? null : 10, retryAtMs, costUsd: 0.1, durationMs: 5 },
  }),
  cancelled: (): Fact => ({ type: 'StepCancelled', data: { ...ref, reason: 'user', partialOutput: 'part', costUsd: 0 } }),
  approvalRequested: (approvalId: string, scope: 'step' | 'plan' | 'budget' = 'step'): Fact => ({
    type: 'ApprovalRequested',
    data: { approvalId, ...ref, scope, reason: 'needs a human', requestedAtMs: 50, timeoutMs: 1000 },
  }),
  granted: (approvalId: string): Fact => ({ type: 'ApprovalGranted', data: { approvalId, ...ref, by: 'alice' } }),
  rejected: (approvalId: string, timedOut = false): Fact => ({ type: 'ApprovalRejected', data: { approvalId, ...ref, by: 'bob', timedOut } }),
};
/** `fact` as the fold passes it to a pending step whose dependencies are done. */
const depsDone = (fact: Fact): StepEvent => ({ ...fact, dependenciesDone: true });

describe('step machine: legal paths', () => {
  it('pending → ready → running → completed records output, cost and clears the reservation', () => {
    const s = run(stepMachine, start(stepMachine, input()), [f.ready(), f.started(1), f.progressed(1), f.completed(1)]);
    expect(s.value).toBe('completed');
    expect(s.status).toBe('done');
    expect(s.context).toMatchObject({ attempts: 1, output: { ok: 1 }, spentUsd: 0.25, reservedUsd: 0, lastProgress: { message: 'half way' } });
  });

  it('retries while attempts remain, then fails for good', () => {
    let s = run(stepMachine, start(stepMachine, input(2)), [f.ready(), f.started(1), f.failed(1, 500)]);
    expect(s.value).toBe('ready');
    expect(s.context.readyAtMs).toBe(500);
    s = run(stepMachine, s, [f.started(2)]);
    expect(tryStep(stepMachine, s, f.failed(2, 900))).toBeUndefined(); // no attempt left for a retry
    s = run(stepMachine, s, [f.failed(2, null)]);
    expect(s.value).toBe('failed');
    expect(s.context.spentUsd).toBeCloseTo(0.2);
  });

  it('an attempt that fails before its action runs goes ready → failed (attempt counted, cost recorded, no retry)', () => {
    const s = run(stepMachine, start(stepMachine, input(3)), [f.ready(), f.failed(1, null)]);
    expect(s.value).toBe('failed');
    expect(s.context).toMatchObject({ attempts: 1, error: { message: 'boom' }, spentUsd: 0.1, reservedUsd: 0 });
    const retried = run(stepMachine, start(stepMachine, input(3)), [f.ready(), f.started(1), f.failed(1, 500)]);
    expect(run(stepMachine, retried, [f.failed(2, null)]).context.attempts).toBe(2);
    // not a retry, not a wrong attempt, not from pending
    expect(tryStep(stepMachine, run(stepMachine, start(stepMachine, input(3)), [f.ready()]), f.failed(1, 500))).toBeUndefined();
    expect(tryStep(stepMachine, run(stepMachine, start(stepMachine, input(3)), [f.ready()]), f.failed(2, null))).toBeUndefined();
    expect(tryStep(stepMachine, start(stepMachine, input(3)), f.failed(1, null))).toBeUndefined();
  });

  it('approval: granted → ready; rejected or timed out → cancelled with the reason', () => {
    const granted = run(stepMachine, start(stepMachine, input()), [depsDone(f.approvalRequested('a1')), f.granted('a1')]);
    expect(granted.value).toBe('ready');
    expect(granted.context.approval).toMatchObject({ approvalId: 'a1', status: 'granted', scope: 'step' });
    const rejected = run(stepMachine, start(stepMachine, input()), [f.ready(), f.approvalRequested('a1', 'budget'), f.rejected('a1')]);
    expect(rejected.value).toBe('cancelled');
    expect(rejected.context.cancelReason).toBe('rejected by bob');
    const timedOut = run(stepMachine, start(stepMachine, input()), [depsDone(f.approvalRequested('a1')), f.rejected('a1', true)]);
    expect(timedOut.context.cancelReason).toBe('approval timed out');
  });

  it('refuses a wrong attempt number, a foreign approval id, a plan-scoped approval and anything after a final state', () => {
    const s0 = start(stepMachine, input());
    const ready = run(stepMachine, s0, [f.ready()]);
    expect(tryStep(stepMachine, ready, f.started(2))).toBeUndefined();
    expect(tryStep(stepMachine, s0, depsDone(f.approvalRequested('a1', 'plan')))).toBeUndefined();
    const waiting = run(stepMachine, s0, [depsDone(f.approvalRequested('a1'))]);
    expect(tryStep(stepMachine, waiting, f.granted('a2'))).toBeUndefined();
    const done = run(stepMachine, ready, [f.started(1), f.completed(1)]);
    for (const fact of [f.cancelled(), f.ready(), f.started(2), f.completed(1)]) expect(tryStep(stepMachine, done, fact)).toBeUndefined();
  });

  it('cancels from pending, ready, waiting_approval and running, keeping the partial output', () => {
    for (const prefix of [[], [f.ready()], [depsDone(f.approvalRequested('a1'))], [f.ready(), f.started(1)], [depsDone(f.started(1))]]) {
      const s = run(stepMachine, start(stepMachine, input()), [...prefix, f.cancelled()]);
      expect(s.value).toBe('cancelled');
      expect(s.context.partialOutput).toBe('part');
    }
  });
});

describe('step machine: readiness derived (no StepReady)', () => {
  it('goes pending → running on a StepStarted whose dependencies are done, to the state StepReady + StepStarted reach', () => {
    const skipped = run(stepMachine, start(stepMachine, input()), [depsDone(f.started(1)), f.completed(1)]);
    const old = run(stepMachine, start(stepMachine, input()), [f.ready(), f.started(1), f.completed(1)]);
    expect(skipped.value).toBe('completed');
    expect(skipped.context).toEqual(old.context);
    const running = run(stepMachine, start(stepMachine, input()), [depsDone(f.started(1))]);
    expect(running.context).toEqual(run(stepMachine, start(stepMachine, input()), [f.ready(), f.started(1)]).context);
  });

  it('goes pending → waiting_approval, and pending → failed before its action runs, when dependencies are done', () => {
    const waiting = run(stepMachine, start(stepMachine, input()), [depsDone(f.approvalRequested('a1', 'budget'))]);
    expect(waiting.value).toBe('waiting_approval');
    expect(waiting.context.approval).toMatchObject({ approvalId: 'a1', scope: 'budget', status: 'requested' });
    const failed = run(stepMachine, start(stepMachine, input(3)), [depsDone(f.failed(1, null))]);
    expect(failed.value).toBe('failed');
    expect(failed.context).toMatchObject({ attempts: 1, spentUsd: 0.1 });
  });

  it('refuses StepStarted, ApprovalRequested and an early StepFailed from pending when dependencies are not done', () => {
    const s0 = start(stepMachine, input(3));
    for (const fact of [f.started(1), f.approvalRequested('a1'), f.approvalRequested('a1', 'budget'), f.failed(1, null)]) {
      expect(tryStep(stepMachine, s0, fact), fact.type).toBeUndefined();
      expect(tryStep(stepMachine, s0, { ...fact, dependenciesDone: false }), fact.type).toBeUndefined();
    }
    // done dependencies do not make a wrong attempt, a retrying failure or progress legal
    for (const fact of [f.started(2), f.failed(1, 500), f.progressed(1), f.completed(1)]) expect(tryStep(stepMachine, s0, depsDone(fact)), fact.type).toBeUndefined();
  });

  it('still accepts StepReady (older histories); the annotation changes nothing outside pending', () => {
    const ready = run(stepMachine, start(stepMachine, input()), [f.ready()]);
    expect(ready.value).toBe('ready');
    const running = run(stepMachine, ready, [depsDone(f.started(1))]);
    expect(tryStep(stepMachine, running, depsDone(f.started(2)))).toBeUndefined();
    expect(tryStep(stepMachine, running, depsDone(f.ready()))).toBeUndefined();
  });
});

// ---- property: the machine accepts exactly what the documented table allows --------------------

type Status = 'pending' | 'ready' | 'waiting_approval' | 'running' | 'completed' | 'failed' | 'cancelled';
interface Model {
  status: Status;
  attempts: number;
  maxAttempts: number;
  approvalId?: string;
}

/**
 * The transition table of the design document, written independently of the machine. null = illegal.
 * A pending step given a fact with `dependenciesDone` is taken as ready for StepStarted, StepFailed
 * and ApprovalRequested.
 */
function expected(m: Model, fact: StepEvent): Model | null {
  const d = fact.data as Record<string, unknown>;
  const startable = fact.type === 'StepStarted' || fact.type === 'StepFailed' || fact.type === 'ApprovalRequested';
  const status = m.status === 'pending' && fact.dependenciesDone === true && startable ? 'ready' : m.status;
  const is = (...states: Status[]) => states.includes(status);
  switch (fact.type) {
    case 'StepReady':
      return is('pending') ? { ...m, status: 'ready' } : null;
    case 'ApprovalRequested':
      return is('ready') && d.scope !== 'plan' ? { ...m, status: 'waiting_approval', approvalId: d.approvalId as string } : null;
    case 'ApprovalGranted':
      return is('waiting_approval') && d.approvalId === m.approvalId ? { ...m, status: 'ready' } : null;
    case 'ApprovalRejected':
      return is('waiting_approval') && d.approvalId === m.approvalId ? { ...m, status: 'cancelled' } : null;
    case 'StepStarted':
      return is('ready') && d.attempt === m.attempts + 1 ? { ...m, status: 'running', attempts: m.attempts + 1 } : null;
    case 'StepProgressed':
      return is('running') && d.attempt === m.attempts ? m : null;
    case 'StepCompleted':
      return is('running') && d.attempt === m.attempts ? { ...m, status: 'completed' } : null;
    case 'StepFailed':
      // an attempt that fails before its action runs: ready → failed, no StepStarted
      if (is('ready') && d.attempt === m.attempts + 1 && d.retryAtMs === null) return { ...m, status: 'failed', attempts: m.attempts + 1 };
      if (!is('running') || d.attempt !== m.attempts) return null;
      if (d.retryAtMs === null) return { ...m, status: 'failed' };
      return m.attempts < m.maxAttempts ? { ...m, status: 'ready' } : null;
    case 'StepCancelled':
      return is('pending', 'ready', 'waiting_approval', 'running') ? { ...m, status: 'cancelled' } : null;
    default:
      return null;
  }
}

const attempt = fc.integer({ min: 1, max: 4 });
const approvalId = fc.constantFrom('a1', 'a2');
const anyFact: fc.Arbitrary<StepEvent> = fc.oneof(
  fc.constant(f.ready()),
  attempt.map(f.started),
  attempt.map(f.progressed),
  attempt.map(f.completed),
  fc.tuple(attempt, fc.constantFrom<number | null>(null, 700)).map(([a, r]) => f.failed(a, r)),
  fc.constant(f.cancelled()),
  fc.tuple(approvalId, fc.constantFrom('step', 'plan', 'budget') as fc.Arbitrary<'step' | 'plan' | 'budget'>).map(([a, s]) => f.approvalRequested(a, s)),
  approvalId.map(f.granted),
  approvalId.map((a) => f.rejected(a)),
  fc.constant<Fact>({ type: 'PlanFinished', data: { interactionId: 'i1', planId: 'p1', outcome: 'completed' } }),
  fc.constant<Fact>({ type: 'ThreadClosed', data: {} }),
);

type StepSnap = ReturnType<typeof start<typeof stepMachine>>;
const STATUSES: Status[] = ['pending', 'ready', 'waiting_approval', 'running', 'completed', 'failed', 'cancelled'];

/** Near misses in model state `m`: the attempt just before or after, a foreign approval id, a plan-scoped approval (plus some legal facts). */
function nearby(m: Model): StepEvent[] {
  const a = m.attempts;
  const other = m.approvalId === 'a1' ? 'a2' : 'a1';
  return [
    depsDone(f.started(a + 2)),
    depsDone(f.failed(a + 1, 700)),
    depsDone(f.approvalRequested(other, 'plan')),
    f.ready(),
    f.started(a),
    f.started(a + 2),
    f.progressed(a - 1),
    f.progressed(a + 1),
    f.completed(a - 1),
    f.completed(a + 1),
    f.failed(a - 1, null),
    f.failed(a + 1, 700),
    f.failed(a, 700),
    f.approvalRequested(other, 'plan'),
    f.granted(other),
    f.rejected(other),
  ];
}

/** Moves that take the step forward (weighted by repetition; cancels and rejections come from the other picks). */
function onward(m: Model, n: number): StepEvent[] {
  const a = m.attempts;
  const moves = [
    ...(n % 3 === 0 ? [f.approvalRequested(n % 2 === 0 ? 'a1' : 'a2', n % 4 === 0 ? 'budget' : 'step')] : []),
    f.ready(),
    f.started(a + 1), f.started(a + 1), f.started(a + 1),
    f.progressed(a),
    f.completed(a), f.completed(a),
    f.failed(a, 700), f.failed(a, 700),
    f.failed(a, null),
    f.failed(a + 1, null),
    f.granted(m.approvalId ?? 'a1'),
    f.rejected(m.approvalId ?? 'a1'),
  ];
  // mostly as the fold passes facts to a step whose dependencies are done; else as older histories (StepReady first)
  return moves.map((x) => (Math.floor(n / 7) % 5 < 3 ? depsDone(x) : x)).filter((x) => expected(m, x) !== null);
}

/** What a property run covered: runs that reached each state, and how often each rule fired. */
interface Seen {
  runsReaching: Map<string, number>;
  rules: Map<string, number>;
}
const bump = (m: Map<string, number>, key: string): void => void m.set(key, (m.get(key) ?? 0) + 1);

/** Steps machine and model together; checks they agree; returns the next pair (unchanged when refused). */
function check(snap: StepSnap, model: Model, fact: StepEvent, seen: Seen, reached: Set<string>): [StepSnap, Model] {
  const want = expected(model, fact);
  const next = tryStep(stepMachine, snap, fact);
  expect(next !== undefined, `${fact.type} ${JSON.stringify(fact.data)} in ${JSON.stringify(model)}`).toBe(want !== null);
  if (!next || !want) {
    if ((fact.type === 'StepCompleted' || fact.type === 'StepProgressed') && model.status === 'running') bump(seen.rules, `${fact.type} of another attempt refused`);
    return [snap, model];
  }
  expect(next.value).toBe(want.status);
  expect(next.context.attempts).toBe(want.attempts);
  reached.add(want.status);
  if (fact.type === 'StepFailed' && model.status === 'running' && want.status === 'ready') bump(seen.rules, 'retry');
  if (fact.type === 'StepFailed' && want.status === 'failed' && want.attempts > model.attempts) bump(seen.rules, 'failed before running');
  if (fact.type === 'StepProgressed') bump(seen.rules, 'progress');
  if (fact.type === 'StepCompleted' && want.attempts > 1) bump(seen.rules, 'completed after a retry');
  if (fact.type === 'ApprovalGranted') bump(seen.rules, 'granted');
  if (model.status === 'pending' && want.status === 'running') bump(seen.rules, 'started from pending');
  if (model.status === 'pending' && want.status === 'waiting_approval') bump(seen.rules, 'approval asked from pending');
  if (fact.type === 'StepReady') bump(seen.rules, 'StepReady');
  if (fact.type === 'ApprovalRejected') bump(seen.rules, 'rejected');
  return [next, want];
}

/** Seed of the property: `FC_SEED` to replay a run, else a fresh one (printed with every failure below). */
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

describe('step machine: property', () => {
  it('every fact is accepted exactly when the table allows it, reaching the table state', () => {
    const seen: Seen = { runsReaching: new Map(), rules: new Map() };
    const numRuns = 300;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(fc.tuple(fc.noBias(fc.nat()), anyFact, fc.noBias(fc.integer({ min: 0, max: 39 }))), { minLength: 10, maxLength: 40 }), (maxAttempts, picks) => {
        let snap = start(stepMachine, input(maxAttempts));
        let model: Model = { status: 'pending', attempts: 0, maxAttempts };
        const reached = new Set<string>();
        for (const [n, random, mode] of picks) {
          const near = nearby(model);
          const legal = onward(model, n);
          // mostly legal moves (deep runs), often near misses, sometimes anything, rarely a cancel
          const fact = mode < 28 && legal.length > 0 ? legal[n % legal.length]! : mode < 36 ? near[n % near.length]! : mode < 39 ? random : f.cancelled();
          [snap, model] = check(snap, model, fact, seen, reached);
        }
        for (const s of reached) bump(seen.runsReaching, s);
      }),
      { numRuns, seed: SEED },
    );
    // the generator reaches every state and rule (so the property is not vacuous), in a good share of runs
    const coverage = `seed ${SEED}: ${JSON.stringify(Object.fromEntries(seen.runsReaching))} ${JSON.stringify(Object.fromEntries(seen.rules))}`;
    if (process.env.FC_STATS) console.log(coverage);
    expect(seen.runsReaching.get('running') ?? 0, `runs reaching running, ${coverage}`).toBeGreaterThanOrEqual(numRuns / 3);
    expect(seen.runsReaching.get('completed') ?? 0, `runs reaching completed, ${coverage}`).toBeGreaterThanOrEqual(numRuns / 6);
    expect([...seen.runsReaching.keys()].sort(), coverage).toEqual(STATUSES.filter((s) => s !== 'pending').sort());
    expect([...seen.rules.keys()].sort(), coverage).toEqual([
      'StepCompleted of another attempt refused',
      'StepProgressed of another attempt refused',
      'StepReady',
      'approval asked from pending',
      'completed after a retry',
      'failed before running',
      'granted',
      'progress',
      'rejected',
      'retry',
      'started from pending',
    ]);
  });
});
