import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicySpec } from '../../src/facts/facts/thread-facts.ts';
import { isInvalidPolicyDecisionError, isUnknownPolicyError } from '../../src/runtime/command-errors.ts';
import {
  enqueuePolicy,
  interruptPolicy,
  parallelPolicy,
  policyName,
  queueCapacity,
  rejectPolicy,
  steerPolicy,
  type LiveInteraction,
  type PolicyContext,
  type PolicyFn,
} from '../../src/runtime/policies.ts';
import { decidePolicy, resolvePolicy } from '../../src/runtime/policy-decision.ts';

const input = { inputId: 'in-1', text: 'hello' };
const live = (...statuses: string[]): LiveInteraction[] => statuses.map((status, i) => ({ interactionId: `i${i + 1}`, status }));
const ctx = (l: LiveInteraction[], queueLength = 0): PolicyContext => ({ live: l, queueLength, input });

const SPECS: PolicySpec[] = [{ kind: 'interrupt' }, { kind: 'reject' }, { kind: 'enqueue' }, { kind: 'steer' }, { kind: 'parallel', max: 2 }];

describe('built-in policies', () => {
  it('every policy starts when nothing is live', () => {
    for (const fn of [interruptPolicy, rejectPolicy, enqueuePolicy, steerPolicy, parallelPolicy(1)]) {
      expect(fn(ctx([])).decision).toBe('start');
    }
  });

  it('interrupt targets the oldest live interaction', () => {
    expect(interruptPolicy(ctx(live('executing', 'planning')))).toMatchObject({ decision: 'interrupt', targetInteractionId: 'i1' });
  });

  it('reject refuses while anything is live', () => {
    expect(rejectPolicy(ctx(live('planning')))).toMatchObject({ decision: 'reject' });
  });

  it('enqueue queues behind live interactions and names the position', () => {
    const r = enqueuePolicy(ctx(live('executing'), 2));
    expect(r.decision).toBe('enqueue');
    expect(r.reason).toContain('position 3');
  });

  it('steer merges into the most recently started live interaction', () => {
    expect(steerPolicy(ctx(live('executing', 'planning')))).toMatchObject({ decision: 'steer', targetInteractionId: 'i2' });
  });

  it('parallel starts below max, enqueues at max, and keeps FIFO when a queue exists', () => {
    const p = parallelPolicy(2);
    expect(p(ctx(live('executing'))).decision).toBe('start');
    expect(p(ctx(live('executing', 'planning'))).decision).toBe('enqueue');
    expect(p(ctx(live('executing'), 1)).decision).toBe('enqueue');
  });

  it('parallel refuses a bad max', () => {
    expect(() => parallelPolicy(0)).toThrow(/max must be an integer >= 1, got 0/);
    expect(() => parallelPolicy(1.5)).toThrow(RangeError);
  });

  it('names and queue capacities', () => {
    expect(SPECS.map(policyName)).toEqual(['interrupt', 'reject', 'enqueue', 'steer', 'parallel(2)']);
    expect(policyName({ kind: 'custom', name: 'vip' })).toBe('custom:vip');
    expect(queueCapacity({ kind: 'parallel', max: 3 })).toBe(3);
    expect(queueCapacity({ kind: 'enqueue' })).toBe(1);
  });
});

describe('decidePolicy', () => {
  it('answers a waiting_input interaction whatever the policy', () => {
    for (const spec of SPECS) {
      expect(decidePolicy(spec, ctx(live('executing', 'waiting_input')))).toMatchObject({ decision: 'steer', targetInteractionId: 'i2' });
    }
  });

  it('starts on an idle thread even for a custom policy that would reject', () => {
    const never: PolicyFn = () => ({ decision: 'reject', reason: 'never' });
    expect(decidePolicy({ kind: 'custom', name: 'never' }, ctx([]), { never }).decision).toBe('start');
    expect(decidePolicy({ kind: 'custom', name: 'never' }, ctx(live('planning')), { never }).decision).toBe('reject');
  });

  it('refuses an unregistered custom policy, naming the registered ones', () => {
    const err = (() => {
      try {
        resolvePolicy({ kind: 'custom', name: 'vip' }, { other: rejectPolicy });
      } catch (e) {
        return e;
      }
    })();
    expect(isUnknownPolicyError(err)).toBe(true);
    expect(String((err as Error).message)).toContain("'vip' is not registered (registered: other)");
  });

  it('does not treat inherited properties as registered custom policies', () => {
    expect(() => resolvePolicy({ kind: 'custom', name: 'toString' }, {})).toThrow(/not registered/);
  });

  it('refuses a custom steer/interrupt without a live target, and unknown decisions', () => {
    const bad: Record<string, PolicyFn> = {
      noTarget: () => ({ decision: 'steer', reason: 'x' }),
      deadTarget: () => ({ decision: 'interrupt', reason: 'x', targetInteractionId: 'i9' }),
      weird: () => ({ decision: 'explode' as never, reason: 'x' }),
    };
    for (const name of Object.keys(bad)) {
      let caught: unknown;
      try {
        decidePolicy({ kind: 'custom', name }, ctx(live('planning')), bad);
      } catch (e) {
        caught = e;
      }
      expect(isInvalidPolicyDecisionError(caught), name).toBe(true);
    }
  });

  it('property: decisions are deterministic and targets are live', () => {
    const statuses = fc.constantFrom('observing', 'planning', 'deciding', 'executing', 'waiting_approval', 'waiting_input', 'interrupted');
    fc.assert(
      fc.property(fc.constantFrom(...SPECS), fc.array(statuses, { maxLength: 5 }), fc.nat(5), (spec, sts, q) => {
        const c = ctx(live(...sts), q);
        const a = decidePolicy(spec, c);
        expect(decidePolicy(spec, c)).toEqual(a);
        if (sts.length === 0) expect(a.decision).toBe('start');
        if (a.decision === 'steer' || a.decision === 'interrupt') {
          expect(c.live.map((i) => i.interactionId)).toContain(a.targetInteractionId);
        }
        if (spec.kind === 'reject' && sts.length > 0 && !sts.includes('waiting_input')) expect(a.decision).toBe('reject');
      }),
    );
  });
});
