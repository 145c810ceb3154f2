import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineAction, type Action } from '../../src/actions/action.ts';
import { builtinActions } from '../../src/actions/builtins.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { isPlanValidationError, type PlanValidationError } from '../../src/plan/errors.ts';
import { normalizePlan } from '../../src/plan/normalize.ts';
import { PlanSpec } from '../../src/plan/plan-schema.ts';
import { closure, dagArb } from './dag-arbitrary.ts';

const noop = async () => ({}) as never;
const custom = [
  defineAction({
    name: 'typed',
    description: 'an action with a rich input schema',
    input: z.strictObject({
      n: z.number().int().min(1),
      s: z.string().url().optional(),
      flag: z.boolean().default(false),
      list: z.array(z.object({ k: z.string() })).optional(),
      mode: z.discriminatedUnion('kind', [z.object({ kind: z.literal('a'), x: z.number() }), z.object({ kind: z.literal('b') })]).optional(),
      either: z.union([z.number(), z.object({ v: z.string() })]).optional(),
      nullable: z.string().nullable().optional(),
    }),
    output: z.object({ count: z.number(), name: z.string(), items: z.array(z.object({ id: z.string(), n: z.number() })), maybe: z.string().nullable(), free: z.looseObject({ a: z.number() }), tuple: z.tuple([z.string(), z.number()]) }),
    run: noop,
  }),
  defineAction({ name: 'any', description: 'accepts and returns anything', input: z.record(z.string(), z.unknown()), output: z.unknown(), run: noop }),
] as unknown as Action[];
const registry = createActionRegistry([...builtinActions(), ...custom]);

function rejection(plan: unknown): PlanValidationError {
  try {
    normalizePlan(plan, registry);
  } catch (e) {
    if (isPlanValidationError(e)) return e;
    throw e;
  }
  throw new Error('expected the plan to be rejected');
}

const producer = { id: 'p', action: 'typed', input: { n: 1 } };
const consumer = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  steps: [producer, { id: 'c', action: 'typed', dependsOn: ['p'], input, ...extra }],
});

describe('normalizePlan: accepted plans', () => {
  it('applies defaults and de-duplicates dependsOn, keeping inputs as written', () => {
    const plan = normalizePlan({ steps: [{ id: 'a', action: 'echo' }, { id: 'b', action: 'sleep', input: { ms: 5 }, dependsOn: ['a', 'a'], retry: {} }] }, registry);
    expect(plan).toMatchObject({ maxConcurrency: 4, failurePolicy: 'fail_fast' });
    expect(plan.steps[0]).toEqual({ id: 'a', action: 'echo', input: {}, dependsOn: [], priority: 0 });
    expect(plan.steps[1]).toMatchObject({ dependsOn: ['a'], retry: { maxAttempts: 1, backoffMs: 100, maxBackoffMs: 30_000 }, input: { ms: 5 } });
  });

  it('accepts references whose types could fit, including transitive ancestors', () => {
    const plan = {
      steps: [
        producer,
        { id: 'mid', action: 'echo', dependsOn: ['p'] },
        {
          id: 'c',
          action: 'typed',
          dependsOn: ['mid'],
          input: {
            n: '{{steps.p.output.count}}',
            s: 'https://x.test/{{steps.p.output.name}}?n={{steps.p.output.count}}',
            list: [{ k: '{{steps.p.output.items.0.id}}' }, '{{steps.p.output.items.1}}'],
            mode: '{{steps.mid.output}}',
            either: '{{steps.p.output.free.anything}}',
            nullable: '{{steps.p.output.maybe}}',
          },
        },
      ],
    };
    expect(normalizePlan(plan, registry).steps[2]!.input).toEqual(plan.steps[2]!.input);
    // a reference as a discriminator and inside one union option
    expect(() => normalizePlan(consumer({ n: 1, mode: { kind: '{{steps.p.output.name}}', x: 1 } }), registry)).not.toThrow();
    expect(() => normalizePlan(consumer({ n: 1, mode: { kind: 'a', x: '{{steps.p.output.count}}' } }), registry)).not.toThrow();
    expect(() => normalizePlan(consumer({ n: 1, either: { v: '{{steps.p.output.name}}' } }), registry)).not.toThrow();
    // an action whose output is unknown: any path and any type is accepted
    expect(() =>
      normalizePlan({ steps: [{ id: 'u', action: 'any' }, { id: 'c', action: 'typed', dependsOn: ['u'], input: { n: '{{steps.u.output.a.b.3}}' } }] }, registry),
    ).not.toThrow();
  });

  it('accepts a plan that is already parsed (idempotent)', () => {
    const once = normalizePlan({ steps: [{ id: 'a', action: 'echo', input: { x: 1 } }] }, registry);
    expect(normalizePlan(once, registry)).toEqual(once);
  });
});

describe('normalizePlan: rejections name the step and field', () => {
  it.each([
    [{}, undefined, 'steps', /steps: Invalid input: expected array/],
    [{ steps: [] }, undefined, 'steps', /Too small/],
    [{ steps: [{ id: 'a', action: 'echo', retry: { maxAttempts: 0 } }] }, 'a', 'steps[0].retry.maxAttempts', /step 'a' \(steps\[0\]\.retry\.maxAttempts\): Too small/],
    [{ steps: [{ id: 'a', action: 'echo' }, { id: 'b', action: 'echo' }, { id: 'c', action: 'echo', retry: { maxAttempts: 1.5 } }] }, 'c', 'steps[2].retry.maxAttempts', /expected int/],
    [{ steps: [{ id: '.bad', action: 'echo' }] }, '.bad', 'steps[0].id', /step id/],
    [{ steps: [{ id: 'a', action: 'echo' }], maxConcurrency: 0 }, undefined, 'maxConcurrency', /maxConcurrency: Too small/],
    [{ steps: [{ action: 'echo' }] }, undefined, 'steps[0].id', /steps\[0\]\.id: Invalid input/],
    [{ steps: [{ id: 'a', action: 'echo', requireApproval: true }] }, 'a', 'steps[0]', /step 'a' \(steps\[0\]\): unknown key 'requireApproval' \(did you mean 'requiresApproval'\?\)/],
    [{ steps: [{ id: 'a', action: 'echo' }], budget: { limitUsd: 1, warn: 0.5 } }, undefined, 'budget', /budget: unknown key 'warn' \(did you mean 'warnAt'\?\)/],
  ])('schema error in %j', (plan, stepId, field, message) => {
    const err = rejection(plan);
    expect(err).toMatchObject({ code: 'PLAN_INVALID', kind: 'schema', stepId, field });
    expect(err.message).toMatch(message);
  });

  it('unknown action', () => {
    const err = rejection({ steps: [{ id: 'a', action: 'echo' }, { id: 'b', action: 'fs.raed' }] });
    expect(err).toMatchObject({ kind: 'unknown_action', stepId: 'b', field: 'steps[1].action' });
    expect(err.message).toBe("invalid plan: step 'b' (steps[1].action): unknown action 'fs.raed'");
  });

  it('duplicate step id', () => {
    const err = rejection({ steps: [{ id: 'a', action: 'echo' }, { id: 'b', action: 'echo' }, { id: 'a', action: 'echo' }] });
    expect(err).toMatchObject({ kind: 'duplicate_step', stepId: 'a', field: 'steps[2].id' });
    expect(err.message).toContain("duplicate step id 'a' (first used by steps[0])");
  });

  it('missing dependency', () => {
    const err = rejection({ steps: [{ id: 'a', action: 'echo' }, { id: 'b', action: 'echo', dependsOn: ['a', 'ghost'] }] });
    expect(err).toMatchObject({ kind: 'missing_dependency', stepId: 'b', field: 'steps[1].dependsOn[1]' });
    expect(err.message).toContain("depends on 'ghost', which is not a step of this plan");
  });

  it('reports every graph issue at once', () => {
    const err = rejection({ steps: [{ id: 'a', action: 'nope' }, { id: 'a', action: 'echo', dependsOn: ['x'] }] });
    expect(err.issues.map((i) => i.kind)).toEqual(['unknown_action', 'duplicate_step', 'missing_dependency']);
  });

  it('a cycle, named', () => {
    const err = rejection({ steps: [{ id: 'start', action: 'echo' }, { id: 'a', action: 'echo', dependsOn: ['start', 'b'] }, { id: 'b', action: 'echo', dependsOn: ['c'] }, { id: 'c', action: 'echo', dependsOn: ['a'] }] });
    expect(err).toMatchObject({ kind: 'cycle', stepId: 'a', field: 'steps[1].dependsOn[1]' });
    expect(err.message).toBe("invalid plan: step 'a' (steps[1].dependsOn[1]): dependency cycle: a → b → c → a");
    expect(rejection({ steps: [{ id: 'self', action: 'echo', dependsOn: ['self'] }] }).message).toContain('dependency cycle: self → self');
  });

  it('too many steps', () => {
    const steps = Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, action: 'echo' }));
    expect(() => normalizePlan({ steps }, registry, { maxSteps: 3 })).toThrow(/4 steps, more than the limit of 3/);
  });

  it.each([
    [{ ms: -1 }, 'steps[0].input.ms', /Too small.*\(action sleep\)/],
    [{}, 'steps[0].input.ms', /expected number, received undefined/],
    [{ ms: 1, extra: 2 }, 'steps[0].input', /Unrecognized key: "extra"/],
  ])('input %j that does not match the action schema', (input, field, message) => {
    const err = rejection({ steps: [{ id: 'nap', action: 'sleep', input }] });
    expect(err).toMatchObject({ kind: 'invalid_input', stepId: 'nap', field });
    expect(err.message).toMatch(message);
  });

  it.each([
    [{ n: '{{steps.p.output.name}}' }, 'steps[1].input.n', /\{\{steps.p.output.name\}\} yields string, but the field accepts number/],
    [{ n: 'x{{steps.p.output.count}}' }, 'steps[1].input.n', /embedded reference is a string, but the field accepts number/],
    [{ n: '{{steps.p.output.cnt}}' }, 'steps[1].input.n', /output of step 'p' \(action typed\) cannot have 'cnt': the value has no field 'cnt' \(fields: count, name, items, maybe, free, tuple\)/],
    [{ n: '{{steps.p.output.items.first}}' }, 'steps[1].input.n', /'items' is an array; 'first' is not an index/],
    [{ n: '{{steps.p.output.tuple.2}}' }, 'steps[1].input.n', /is a tuple of 2; no index 2/],
    [{ n: '{{steps.p.output.count.x}}' }, 'steps[1].input.n', /'count' is a number, not an object or array/],
    [{ n: 1, flag: '{{steps.p.output.items}}' }, 'steps[1].input.flag', /yields array, but the field accepts boolean/],
    [{ n: 1, list: '{{steps.p.output.maybe}}' }, 'steps[1].input.list', /yields string \| null, but the field accepts array/],
    [{ n: '{{steps.ghost.output}}' }, 'steps[1].input.n', /refers to step 'ghost', which is not in the plan/],
    [{ n: '{{steps.c.output.count}}' }, 'steps[1].input.n', /a step cannot use its own output/],
    [{ n: '{{steps.p.outptu}}' }, 'steps[1].input.n', /malformed reference/],
    [{ n: 1, mode: { kind: 'c' } }, 'steps[1].input.mode.kind', /Invalid discriminator/],
    [{ n: 1, mode: { kind: 'a', x: 'str' } }, 'steps[1].input.mode.x', /expected number/],
    [{ n: 1, either: '{{steps.p.output.name}}' }, 'steps[1].input.either', /yields string, but the field accepts number \| object/],
  ])('reference problem in %j', (input, field, message) => {
    const err = rejection(consumer(input));
    expect(err).toMatchObject({ stepId: 'c', field });
    expect(err.message).toMatch(message);
  });

  it('a reference to a step that is not an ancestor (a sibling) says how to fix it', () => {
    const err = rejection({ steps: [{ id: 'a', action: 'echo' }, { id: 'b', action: 'echo' }, { id: 'c', action: 'echo', dependsOn: ['a'], input: { v: '{{steps.b.output}}' } }] });
    expect(err).toMatchObject({ kind: 'bad_reference', stepId: 'c', field: 'steps[2].input.v' });
    expect(err.message).toContain("{{steps.b.output}} refers to step 'b', which is not an ancestor of 'c' (add it to dependsOn)");
    // a descendant is not an ancestor either
    expect(rejection({ steps: [{ id: 'a', action: 'echo', input: { v: '{{steps.b.output}}' } }, { id: 'b', action: 'echo', dependsOn: ['a'] }] }).stepId).toBe('a');
  });

  it('a reference keeps strict-object key checks and required fields around it', () => {
    const err = rejection(consumer({ s: '{{steps.p.output.name}}', bogus: 1 }));
    expect(err.issues.map((i) => [i.field, i.kind])).toEqual([
      ['steps[1].input.n', 'invalid_input'],
      ['steps[1].input', 'invalid_input'],
    ]);
  });
});

describe('normalizePlan properties', () => {
  const toPlan = (steps: { id: string; dependsOn: string[] }[]) => ({ steps: steps.map((s) => ({ ...s, action: 'echo' })) });

  it('random DAGs are accepted, with references to any ancestor', () => {
    fc.assert(
      fc.property(dagArb(), fc.nat(), (steps, seed) => {
        const anc = closure(steps);
        const plan = toPlan(steps).steps.map((s) => {
          const a = [...anc.get(s.id)!];
          return a.length === 0 ? s : { ...s, input: { v: `{{steps.${a[seed % a.length]}.output}}`, t: `x{{steps.${a[0]}.output.k}}` } };
        });
        const out = normalizePlan({ steps: plan }, registry);
        expect(out.steps.map((s) => s.id)).toEqual(steps.map((s) => s.id));
      }),
    );
  });

  it('adding a back edge (a step depending on one of its descendants, or itself) is rejected with that cycle named', () => {
    fc.assert(
      fc.property(dagArb(), fc.nat(), fc.nat(), (steps, i, j) => {
        const anc = closure(steps);
        const from = steps[i % steps.length]!; // gets the back edge
        // descendants of `from` (steps that have it as an ancestor), or itself
        const candidates = [from.id, ...steps.filter((s) => anc.get(s.id)!.has(from.id)).map((s) => s.id)];
        const to = candidates[j % candidates.length]!;
        const mutated = steps.map((s) => (s.id === from.id ? { ...s, dependsOn: [...s.dependsOn, to] } : s));
        const err = rejection(toPlan(mutated));
        expect(err.kind).toBe('cycle');
        const cycle = err.message.split('dependency cycle: ')[1]!.split(' → ');
        expect(cycle[0]).toBe(cycle[cycle.length - 1]);
        expect(new Set(cycle.slice(1)).size).toBe(cycle.length - 1);
        const deps = new Map(mutated.map((s) => [s.id, s.dependsOn]));
        for (let k = 0; k + 1 < cycle.length; k++) expect(deps.get(cycle[k]!)).toContain(cycle[k + 1]);
        expect(err.stepId).toBe(cycle[0]);
        // every cycle in the mutated graph goes through the new edge
        expect(cycle.join(',')).toContain(from.id);
      }),
    );
  });
});

describe('normalizePlan of a plan already in PlanSpec form', () => {
  const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
  const extras = fc.record(
    { priority: fc.integer({ min: -3, max: 3 }), retry: fc.constant({ maxAttempts: 2 }), timeoutMs: fc.integer({ min: 1, max: 9 }), input: fc.constant({ n: 1, nested: { k: ['v'] } }) },
    { requiredKeys: [] },
  );

  it(`property (seed ${SEED}): a plan PlanSpec already parsed normalises exactly as the raw plan, as a copy that leaves it unchanged`, () => {
    let repeated = 0;
    let parsedHasDefaults = 0;
    fc.assert(
      fc.property(dagArb(12), fc.array(extras, { minLength: 12, maxLength: 12 }), fc.nat(), fc.constantFrom(undefined, 1, 64), (steps, more, dup, maxConcurrency) => {
        const raw = {
          steps: steps.map((s, i) => ({ ...s, action: 'echo', ...more[i], dependsOn: i === dup % steps.length && s.dependsOn.length > 0 ? [...s.dependsOn, s.dependsOn[0]!] : s.dependsOn })),
          ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        };
        if (raw.steps.some((s) => new Set(s.dependsOn).size < s.dependsOn.length)) repeated++;
        const parsed = PlanSpec.parse(raw);
        if (JSON.stringify(parsed) !== JSON.stringify(raw)) parsedHasDefaults++;
        const before = JSON.stringify(parsed);
        const fromParsed = normalizePlan(parsed, registry);
        expect(fromParsed).toEqual(normalizePlan(raw, registry));
        expect(JSON.stringify(parsed)).toBe(before); // not de-duplicated in place
        expect(fromParsed.steps[0]).not.toBe(parsed.steps[0]);
        expect(fromParsed.steps[0]!.input).not.toBe(parsed.steps[0]!.input);
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(repeated).toBeGreaterThan(0);
    expect(parsedHasDefaults).toBeGreaterThan(0);
  });

  it('takes such a plan without zod, and anything else through zod (its issues as before)', () => {
    const spy = vi.spyOn(PlanSpec, 'safeParse');
    try {
      const raw = { steps: [{ id: 'a', action: 'echo' }, { id: 'b', action: 'echo', dependsOn: ['a'] }] };
      normalizePlan(PlanSpec.parse(raw), registry);
      expect(spy).not.toHaveBeenCalled();
      normalizePlan(raw, registry);
      expect(spy).toHaveBeenCalledTimes(1);
      const err = rejection({ steps: [{ id: 'a', action: 'echo', priority: 0.5 }] });
      expect([err.kind, err.field, err.stepId]).toEqual(['schema', 'steps[0].priority', 'a']);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});
