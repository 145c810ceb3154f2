import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { threadMachine } from '../../machines/thread.machine.ts';
import { plainRecord } from '../../src/core/ordered-record.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import type { PolicySpec } from '../../src/facts/facts/thread-facts.ts';
import { run, start, tryStep } from './helpers.ts';

const T = 't1';
type Decision = 'start' | 'reject' | 'enqueue' | 'interrupt' | 'steer';
const f = {
  opened: (policy: PolicySpec, threadId = T): Fact => ({
    type: 'ThreadOpened',
    data: { threadId, policy, maxIterations: 5, budget: { limitUsd: 2, warnAt: 0.5, onExceed: 'fail' } },
  }),
  forked: (threadId = T): Fact => ({ type: 'ThreadForked', data: { threadId, from: { threadId: 'src', revision: 3 } } }),
  closed: (): Fact => ({ type: 'ThreadClosed', data: { reason: 'bye' } }),
  input: (inputId: string): Fact => ({ type: 'InputReceived', data: { inputId, text: `text ${inputId}` } }),
  policy: (inputId: string, decision: Decision, interactionId?: string, interruptedId?: string): Fact => ({
    type: 'PolicyApplied',
    data: {
      inputId,
      decision,
      policy: 'p',
      reason: 'r',
      ...(interactionId ? { interactionId } : {}),
      ...(interruptedId ? { interruptedId } : {}),
    },
  }),
  started: (interactionId: string, inputId: string): Fact => ({
    type: 'InteractionStarted',
    data: { interactionId, inputId, text: 'x', maxIterations: 5 },
  }),
  ended: (type: 'InteractionCompleted' | 'InteractionFailed' | 'InteractionCancelled', interactionId: string): Fact =>
    type === 'InteractionCompleted'
      ? { type, data: { interactionId, answer: 'a' } }
      : type === 'InteractionFailed'
        ? { type, data: { interactionId, error: { message: 'e' } } }
        : { type, data: { interactionId, reason: 'r' } },
  stepStarted: (reservedUsd: number): Fact => ({
    type: 'StepStarted',
    data: { interactionId: 'i1', planId: 'p', stepId: 's', attempt: 1, idempotencyKey: 'k', reservedUsd, startedAtMs: 1 },
  }),
  stepCompleted: (costUsd: number): Fact => ({
    type: 'StepCompleted',
    data: { interactionId: 'i1', planId: 'p', stepId: 's', attempt: 1, output: null, costUsd, durationMs: 1 },
  }),
  planner: (costUsd: number): Fact => ({
    type: 'PlannerResponded',
    data: { interactionId: 'i1', iteration: 1, output: { kind: 'done', answer: 'a' }, usage: { model: 'm', inputTokens: 1, outputTokens: 1, costUsd }, repairs: 0 },
  }),
  extended: (limitUsd: number, interactionId?: string): Fact => ({
    type: 'BudgetExtended',
    data: { limitUsd, by: 'u', ...(interactionId ? { interactionId } : {}) },
  }),
  warned: (limitUsd: number): Fact => ({ type: 'BudgetWarned', data: { spentUsd: 1, limitUsd } }),
};

describe('thread machine: legal paths', () => {
  it('opens, queues FIFO under enqueue, starts from the queue head, accounts costs, closes when idle', () => {
    let s = run(threadMachine, start(threadMachine, { threadId: T }), [
      f.opened({ kind: 'enqueue' }),
      f.input('in1'),
      f.policy('in1', 'start', 'i1'),
      f.started('i1', 'in1'),
      f.input('in2'),
      f.policy('in2', 'enqueue'),
      f.input('in3'),
      f.policy('in3', 'enqueue'),
      f.planner(0.01),
      f.stepStarted(0.5),
    ]);
    expect(s.context.queue.map((q) => q.inputId)).toEqual(['in2', 'in3']);
    expect(plainRecord(s.context.reservations)).toEqual({ 'i1/p/s': 0.5 });
    expect(tryStep(threadMachine, s, f.closed())).toBeUndefined(); // i1 is live
    expect(tryStep(threadMachine, s, f.started('i2', 'in3'))).toBeUndefined(); // not the queue head
    s = run(threadMachine, s, [f.stepCompleted(0.2), f.ended('InteractionCompleted', 'i1')]);
    expect(tryStep(threadMachine, s, f.started('i2', 'in3'))).toBeUndefined();
    s = run(threadMachine, s, [f.started('i2', 'in2'), f.ended('InteractionCancelled', 'i2'), f.closed()]);
    expect(s.value).toBe('closed');
    expect(s.context.spentUsd).toBeCloseTo(0.21);
    expect(plainRecord(s.context.reservations)).toEqual({});
    expect(run(threadMachine, s, [f.stepCompleted(0.1)]).context.spentUsd).toBeCloseTo(0.31); // late settle still counts
    expect(run(threadMachine, s, [f.forked()]).value).toBe('open');
  });

  it('refuses a ThreadOpened naming another thread, and one policy-limited start too many', () => {
    const s0 = start(threadMachine, { threadId: T });
    expect(tryStep(threadMachine, s0, f.opened({ kind: 'reject' }, 'other'))).toBeUndefined();
    const par = run(threadMachine, s0, [
      f.opened({ kind: 'parallel', max: 2 }),
      ...['1', '2', '3'].flatMap((n) => [f.input(`in${n}`), f.policy(`in${n}`, 'start', `i${n}`)]),
      f.started('i1', 'in1'),
      f.started('i2', 'in2'),
    ]);
    expect(tryStep(threadMachine, par, f.started('i3', 'in3'))).toBeUndefined();
  });

  it('records budget extensions and warnings', () => {
    const s = run(threadMachine, start(threadMachine, { threadId: T }), [f.opened({ kind: 'reject' }), f.warned(2), f.extended(5)]);
    expect(s.context.budget).toEqual({ limitUsd: 5, warnAt: 0.5, onExceed: 'fail' });
    expect(s.context.warnedLimitsUsd).toEqual([2]);
    expect(tryStep(threadMachine, s, f.extended(7, 'i1'))).toBeUndefined(); // interaction-scoped: not the thread's
  });
});

// ---- property -----------------------------------------------------------------------------------

interface Model {
  status: 'new' | 'open' | 'closed';
  policy?: PolicySpec;
  live: string[];
  undecided: string[];
  startable: string[];
  queue: string[];
}

/** The design's table, independent of the machine. null = illegal. */
function expected(m: Model, fact: Fact): Model | null {
  const d = fact.data as Record<string, unknown>;
  const open = m.status === 'open';
  const without = (xs: string[], x: unknown) => xs.filter((y) => y !== x);
  switch (fact.type) {
    case 'ThreadOpened':
      return m.status === 'new' && d.threadId === T ? { ...m, status: 'open', policy: d.policy as PolicySpec } : null;
    case 'ThreadForked':
      return m.status !== 'new' && d.threadId === T ? { ...m, status: 'open' } : null;
    case 'ThreadClosed':
      return open && m.live.length === 0 ? { ...m, status: 'closed' } : null;
    case 'InputReceived': {
      const id = d.inputId as string;
      return open && ![...m.undecided, ...m.startable, ...m.queue].includes(id) ? { ...m, undecided: [...m.undecided, id] } : null;
    }
    case 'PolicyApplied': {
      if (!open || !m.undecided.includes(d.inputId as string)) return null;
      const next = { ...m, undecided: without(m.undecided, d.inputId) };
      switch (d.decision) {
        case 'steer':
          return d.interactionId !== undefined && m.live.includes(d.interactionId as string) ? next : null;
        case 'interrupt':
          return d.interactionId !== undefined && m.live.includes(d.interruptedId as string) ? { ...next, startable: [...m.startable, d.inputId as string] } : null;
        case 'start':
          return d.interactionId !== undefined ? { ...next, startable: [...m.startable, d.inputId as string] } : null;
        case 'enqueue':
          return { ...next, queue: [...m.queue, d.inputId as string] };
        default:
          return next;
      }
    }
    case 'InteractionStarted': {
      const p = m.policy!;
      const room = p?.kind === 'custom' ? true : p?.kind === 'parallel' ? m.live.length < p.max : m.live.length === 0;
      const fromQueue = m.queue[0] === d.inputId;
      if (!open || !room || m.live.includes(d.interactionId as string) || !(m.startable.includes(d.inputId as string) || fromQueue)) return null;
      return { ...m, live: [...m.live, d.interactionId as string], startable: without(m.startable, d.inputId), queue: fromQueue ? m.queue.slice(1) : m.queue };
    }
    case 'InteractionCompleted':
    case 'InteractionFailed':
    case 'InteractionCancelled':
      return open && m.live.includes(d.interactionId as string) ? { ...m, live: without(m.live, d.interactionId) } : null;
    case 'BudgetExtended':
      return open && d.interactionId === undefined ? m : null;
    case 'BudgetWarned':
    case 'StepStarted':
    case 'PlannerResponded':
    case 'PlannerFailed':
      return open ? m : null;
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepCancelled':
      return m.status !== 'new' ? m : null;
    default:
      return null;
  }
}

const inputs = ['in1', 'in2', 'in3'];
const ids = ['i1', 'i2', 'i3'];
const decisions: Decision[] = ['start', 'start', 'reject', 'enqueue', 'interrupt', 'steer'];
const policies: PolicySpec[] = [{ kind: 'reject' }, { kind: 'enqueue' }, { kind: 'parallel', max: 2 }, { kind: 'custom', name: 'c' }, { kind: 'interrupt' }];
const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length]!;

/** A fact of kind `k`; its ids come from the model's state half the time (so runs go deep). */
function candidate(n: number, k: number, m: Model): Fact {
  const near = n % 2 === 0;
  const a = pick(inputs, n >> 1);
  const i = pick(ids, n >> 2);
  const j = (near ? m.live[0] : undefined) ?? pick(ids, n >> 4);
  const all: Fact[] = [
    f.opened(pick(policies, n), n % 7 === 0 ? 'other' : T),
    f.forked(n % 5 === 0 ? 'other' : T),
    n % 8 === 0 ? f.closed() : f.input(a),
    f.input(a),
    f.policy((near ? m.undecided[0] : undefined) ?? a, pick(decisions, n >> 3), n % 6 === 0 ? undefined : (near && m.live[0]) || i, j),
    f.started(i, (n % 8 !== 1 ? (m.startable[0] ?? m.queue[0]) : undefined) ?? a),
    f.ended(pick(['InteractionCompleted', 'InteractionFailed', 'InteractionCancelled'] as const, n >> 5), (near ? m.live[0] : undefined) ?? i),
    f.extended(3, n % 2 ? 'i1' : undefined),
    f.warned(2),
    f.stepStarted(0.1),
    f.stepCompleted(0.1),
    f.planner(0.01),
    { type: 'PlanFinished', data: { interactionId: 'i1', planId: 'p', outcome: 'completed' } },
  ];
  // the input → decision → start path three times as often
  all.push(all[3]!, all[4]!, all[5]!, all[4]!, all[5]!, all[5]!);
  return pick(all, k);
}

describe('thread machine: property', () => {
  it('every fact is accepted exactly when the table allows it', () => {
    let startedSome = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 18 })), { minLength: 10, maxLength: 80 }), (picks) => {
        let snap = start(threadMachine, { threadId: T });
        let model: Model = { status: 'new', live: [], undecided: [], startable: [], queue: [] };
        for (const [n, k] of picks) {
          const fact = candidate(n, k, model);
          const want = expected(model, fact);
          const next = tryStep(threadMachine, snap, fact);
          expect(next !== undefined, `${fact.type} ${JSON.stringify(fact.data)} in ${JSON.stringify(model)}`).toBe(want !== null);
          if (next && want) {
            expect(next.value).toBe(want.status);
            expect(next.context.live).toEqual(want.live);
            expect(next.context.queue.map((q) => q.inputId)).toEqual(want.queue);
            if (fact.type === 'InteractionStarted') startedSome++;
            snap = next;
            model = want;
          }
        }
      }),
      { numRuns: 400 },
    );
    expect(startedSome).toBeGreaterThan(15); // the generator does reach the start path
  });
});
