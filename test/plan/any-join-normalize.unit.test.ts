/** The normalizer on any-joins (`dependsOn: { any: [...] }`) and `$winner` references. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction, type Action } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { isPlanValidationError, type PlanValidationError } from '../../src/plan/errors.ts';
import { normalizePlan } from '../../src/plan/normalize.ts';

const noop = async () => ({}) as never;
const registry = createActionRegistry([
  defineAction({ name: 'text', description: 'text out', input: z.object({ s: z.string().optional() }), output: z.object({ s: z.string(), n: z.number() }), run: noop }),
  defineAction({ name: 'num', description: 'number in', input: z.object({ n: z.number() }), output: z.object({ s: z.string() }), run: noop }),
] as unknown as Action[]);

function rejection(plan: unknown): PlanValidationError {
  try {
    normalizePlan(plan, registry);
  } catch (e) {
    if (isPlanValidationError(e)) return e;
    throw e;
  }
  throw new Error('expected the plan to be rejected');
}

const race = (join: Record<string, unknown>, extra: Array<Record<string, unknown>> = []) => ({
  steps: [{ id: 'a', action: 'text' }, { id: 'b', action: 'text' }, { id: 'j', action: 'text', ...join }, ...extra],
});

describe('normalizePlan: any-joins', () => {
  it('accepts { any } with $winner references typed against every candidate, keeping the form', () => {
    const plan = normalizePlan(race({ dependsOn: { any: ['a', 'b'] }, input: { s: '{{steps.$winner.output.s}}' } }), registry);
    expect(plan.steps[2]!.dependsOn).toEqual({ any: ['a', 'b'] });
    expect(() => normalizePlan(race({ dependsOn: { any: ['a'] } }, [{ id: 'k', action: 'num', dependsOn: ['j'], input: { n: '{{steps.j.output.n}}' } }]), registry)).not.toThrow();
  });

  it.each([
    [{ any: [] }, 'steps[2].dependsOn.any', /at least one step id/],
    [{ any: ['a'], all: ['b'] }, 'steps[2].dependsOn', /unknown key 'all'/],
    ['a', 'steps[2].dependsOn', /expected a list of step ids or \{ any: \[step ids\] \}/],
  ])('rejects the malformed form %j naming the field', (dependsOn, field, message) => {
    const err = rejection(race({ dependsOn }));
    expect(err).toMatchObject({ kind: 'schema', stepId: 'j', field });
    expect(err.message).toMatch(message);
  });

  it('rejects unknown ids, repeated ids and cycles at dependsOn.any[j]', () => {
    expect(rejection(race({ dependsOn: { any: ['a', 'ghost'] } }))).toMatchObject({ kind: 'missing_dependency', field: 'steps[2].dependsOn.any[1]' });
    const twice = rejection(race({ dependsOn: { any: ['a', 'b', 'a'] } }));
    expect(twice).toMatchObject({ kind: 'any_join', stepId: 'j', field: 'steps[2].dependsOn.any[2]' });
    expect(twice.message).toContain("'a' is listed twice in the any-join");
    const cycle = rejection({ steps: [{ id: 'a', action: 'text', dependsOn: ['j'] }, { id: 'b', action: 'text' }, { id: 'j', action: 'text', dependsOn: { any: ['b', 'a'] } }] });
    expect(cycle).toMatchObject({ kind: 'cycle', stepId: 'a' });
    expect(cycle.message).toContain('dependency cycle: a → j → a');
    const cycleAtJoin = rejection({ steps: [{ id: 'j', action: 'text', dependsOn: { any: ['b', 'a'] } }, { id: 'a', action: 'text', dependsOn: ['j'] }, { id: 'b', action: 'text' }] });
    expect(cycleAtJoin).toMatchObject({ kind: 'cycle', stepId: 'j', field: 'steps[0].dependsOn.any[1]' });
  });

  it('rejects a candidate that another step needs (it may be cancelled as superseded)', () => {
    const shared = rejection(race({ dependsOn: { any: ['a', 'b'] } }, [{ id: 'k', action: 'text', dependsOn: ['b'] }]));
    expect(shared).toMatchObject({ kind: 'any_join', stepId: 'k', field: 'steps[3].dependsOn[0]' });
    expect(shared.message).toContain("'k' depends on a candidate of 'j''s any-join too ('b')");
    const twoJoins = rejection(race({ dependsOn: { any: ['a', 'b'] } }, [{ id: 'k', action: 'text', dependsOn: { any: ['b'] } }]));
    expect(twoJoins).toMatchObject({ kind: 'any_join', stepId: 'k', field: 'steps[3].dependsOn.any[0]' });
  });

  it('rejects $winner outside an any-join, a candidate named directly, and paths or types no candidate fits', () => {
    const outside = rejection(race({ dependsOn: ['a'], input: { s: '{{steps.$winner.output.s}}' } }));
    expect(outside).toMatchObject({ kind: 'bad_reference', stepId: 'j', field: 'steps[2].input.s' });
    expect(outside.message).toContain("'j' has none");
    const direct = rejection(race({ dependsOn: { any: ['a', 'b'] }, input: { s: '{{steps.a.output.s}}' } }));
    expect(direct.message).toContain('use {{steps.$winner.output…}}');
    expect(rejection(race({ dependsOn: { any: ['a', 'b'] }, input: { s: '{{steps.$winner.output.nope}}' } })).message).toContain("cannot have 'nope'");
    const typed = rejection(race({ action: 'num', dependsOn: { any: ['a', 'b'] }, input: { n: '{{steps.$winner.output.s}}' } }));
    expect(typed.message).toMatch(/yields string, but the field accepts number/);
  });
});
