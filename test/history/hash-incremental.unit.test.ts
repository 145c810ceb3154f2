/**
 * The state hash is computed incrementally (per actor, per context field, appended list items,
 * changed record entries: src/history/fold/thread-state.ts `digest`), so it must equal the hash of the
 * same state computed from scratch, whatever path led there. A history large enough to use every
 * path: 24 steps running at once (a reservations record of ≥ 16 entries), long observation lists,
 * a retry, plan and step approvals (a list item replaced in place), and facts that shrink lists (pendingApprovals) and records (settled steps).
 * Both versions of the hash definition (src/history/fold/state-hash.ts) are checked.
 */
import { describe, expect, it } from 'vitest';
import { plainRecord } from '../../src/core/ordered-record.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import type { PlanSpec } from '../../src/plan/plan-schema.ts';
import { applyFact, applyFacts, foldSession, hashThreadState, initialThreadState, type StateHashVersion, type ThreadState } from '../../src/history/fold/thread-state.ts';

const I = 'i1';
const P = 'p1';
const N = 24;
const T0 = 1_767_225_600_000;
const ref = (s: number) => ({ interactionId: I, planId: P, stepId: `s${s}` });
const plan: PlanSpec = {
  maxConcurrency: 64,
  requiresApproval: true,
  failurePolicy: 'continue',
  steps: Array.from({ length: N }, (_, s) => ({
    id: `s${s}`,
    action: 'noop',
    input: { n: s },
    dependsOn: [],
    priority: 0,
    ...(s === 0 ? { retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 10 } } : {}),
    ...(s === 1 ? { requiresApproval: true } : {}),
  })),
} as PlanSpec;

function history(): Fact[] {
  const facts: Fact[] = [
    { type: 'ThreadOpened', data: { threadId: 't', policy: { kind: 'enqueue' }, maxIterations: 4, budget: { limitUsd: 100, warnAt: 0.9, onExceed: 'approve' } } },
    { type: 'InputReceived', data: { inputId: 'in1', text: 'go' } },
    { type: 'PolicyApplied', data: { inputId: 'in1', decision: 'start', policy: 'enqueue', reason: 'idle', interactionId: I } },
    { type: 'InteractionStarted', data: { interactionId: I, inputId: 'in1', text: 'go', maxIterations: 4 } },
    { type: 'PlanningRequested', data: { interactionId: I, iteration: 1 } },
    { type: 'PlannerResponded', data: { interactionId: I, iteration: 1, output: { kind: 'mini_plan', plan }, repairs: 0 } },
    { type: 'PlanAccepted', data: { interactionId: I, planId: P, iteration: 1, plan } },
    // a plan approval replaces the last item of the interaction's `plans` list (same length)
    { type: 'ApprovalRequested', data: { approvalId: 'pa', interactionId: I, planId: P, scope: 'plan', reason: 'plan gate', requestedAtMs: T0 } },
    { type: 'ApprovalGranted', data: { approvalId: 'pa', interactionId: I, planId: P, by: 'ann' } },
  ] as Fact[];
  for (let s = 0; s < N; s++) facts.push({ type: 'StepReady', data: ref(s) } as Fact);
  facts.push({ type: 'ApprovalRequested', data: { approvalId: 'a1', ...ref(1), scope: 'step', reason: 'needs approval', requestedAtMs: T0 } } as Fact);
  for (let s = 0; s < N; s++) {
    if (s === 1) continue;
    facts.push({ type: 'StepStarted', data: { ...ref(s), attempt: 1, idempotencyKey: `k${s}/1`, reservedUsd: 0.01 * s, startedAtMs: T0 + s } } as Fact);
  }
  facts.push({ type: 'ApprovalGranted', data: { approvalId: 'a1', ...ref(1), by: 'ann' } } as Fact);
  facts.push({ type: 'StepStarted', data: { ...ref(1), attempt: 1, idempotencyKey: 'k1/1', reservedUsd: 0.5, startedAtMs: T0 + 50 } } as Fact);
  facts.push({
    type: 'StepFailed',
    data: { ...ref(0), attempt: 1, error: { message: 'flaky', retryable: true }, retryInMs: 10, retryAtMs: T0 + 60, costUsd: 0.001, durationMs: 1 },
  } as Fact);
  for (let s = N - 1; s >= 1; s--) {
    facts.push({ type: 'StepCompleted', data: { ...ref(s), attempt: 1, output: { n: s, text: `out ${s}` }, costUsd: 0.001 * s, durationMs: 2 } } as Fact);
  }
  facts.push({ type: 'StepStarted', data: { ...ref(0), attempt: 2, idempotencyKey: 'k0/2', reservedUsd: 0, startedAtMs: T0 + 70 } } as Fact);
  facts.push({ type: 'StepCompleted', data: { ...ref(0), attempt: 2, output: [1, 2, 3], costUsd: 0, durationMs: 2 } } as Fact);
  facts.push({ type: 'PlanFinished', data: { interactionId: I, planId: P, outcome: 'completed' } } as Fact);
  return facts;
}

describe.each([1, 2] as const)('incremental state hash, version %i', (version: StateHashVersion) => {
  const facts = history();
  const v = { version };
  /** Hash of a state never hashed before and built by one batch: no incremental path is used. */
  const fresh = (fs: Fact[], n: number): string => hashThreadState(applyFacts(initialThreadState('t'), fs.slice(0, n)), v);

  it('the history folds (sanity) and uses a reservations record above the set-hash threshold', () => {
    const states: ThreadState[] = [initialThreadState('t')];
    facts.forEach((f, i) => states.push(applyFact(states[i]!, f, BigInt(i))));
    const peak = Math.max(...states.map((s) => Object.keys(plainRecord(s.thread.context.reservations)).length));
    expect(peak).toBeGreaterThanOrEqual(16);
    expect(states.at(-1)!.interactions[I]!.context.observations.length).toBe(N);
  });

  it('a fold session hashing after every fact equals fresh hashes at every offset', () => {
    const session = foldSession(initialThreadState('t'), { hashing: true });
    const seen = new Set<string>();
    facts.forEach((f, i) => {
      session.apply(f);
      const h = session.hash(version);
      expect(h, `after fact ${i} (${f.type})`).toBe(fresh(facts, i + 1));
      seen.add(h);
    });
    expect(seen.size).toBe(facts.length); // every fact changes the state, and the hash sees it
  });

  it('hashing every k facts, and applyFact + hashThreadState stepwise, agree with fresh hashes', () => {
    for (const k of [2, 5]) {
      const session = foldSession(initialThreadState('t'), { hashing: true });
      facts.forEach((f, i) => {
        session.apply(f);
        if ((i + 1) % k === 0) expect(session.hash(version)).toBe(fresh(facts, i + 1));
      });
    }
    let s = initialThreadState('t');
    hashThreadState(s, v);
    facts.forEach((f, i) => {
      s = applyFact(s, f, BigInt(i));
      expect(hashThreadState(s, v)).toBe(fresh(facts, i + 1));
    });
  });

  it('differs when any context field differs (a changed output deep inside the observations)', () => {
    const changed = facts.map((f) =>
      f.type === 'StepCompleted' && f.data.stepId === 's7' ? ({ ...f, data: { ...f.data, output: { n: 7, text: 'out 7!' } } } as Fact) : f,
    );
    expect(fresh(changed, changed.length)).not.toBe(fresh(facts, facts.length));
  });
});
