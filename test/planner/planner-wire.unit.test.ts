import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePlannerReply, plannerResponseFormat } from '../../src/planner/planner-wire.ts';
import { PlannerOutput } from '../../src/plan/planner-output.ts';
import type { StepSpec } from '../../src/plan/plan-schema.ts';
import { wireReply, wireStep } from './wire-fixtures.ts';

/** The wire encoding of an output (the inverse of parsePlannerReply for wire-representable outputs). */
function toWire(o: PlannerOutput): string {
  const step = (s: StepSpec) => ({
    id: s.id,
    action: s.action,
    inputJson: JSON.stringify(s.input),
    dependsOn: Array.isArray(s.dependsOn) ? s.dependsOn : [],
    dependsOnAny: Array.isArray(s.dependsOn) ? null : (s.dependsOn as { any: string[] }).any,
    priority: s.priority,
    retry: s.retry ?? null,
    timeoutMs: s.timeoutMs ?? null,
    requiresApproval: s.requiresApproval ?? null,
    description: s.description ?? null,
  });
  const base = { kind: o.kind, thought: o.thought ?? null };
  switch (o.kind) {
    case 'done':
      return wireReply({ ...base, answer: o.answer });
    case 'need_input':
      return wireReply({ ...base, question: o.question });
    case 'single_action':
      return wireReply({ ...base, step: step(o.step) });
    case 'mini_plan':
      return wireReply({
        ...base,
        plan: {
          title: o.plan.title ?? null,
          steps: o.plan.steps.map(step),
          maxConcurrency: o.plan.maxConcurrency,
          failurePolicy: o.plan.failurePolicy,
          requiresApproval: o.plan.requiresApproval ?? null,
        },
      });
  }
}

const stepArb = fc.record(
  {
    id: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}$/),
    action: fc.constantFrom('echo', 'fs.read', 'http.request'),
    input: fc.dictionary(fc.string({ maxLength: 6 }), fc.json({ maxDepth: 2 }).map((j) => JSON.parse(j) as unknown), { maxKeys: 4 }),
    dependsOn: fc.oneof(
      fc.array(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { maxLength: 3 }),
      fc.record({ any: fc.array(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { minLength: 2, maxLength: 3 }) }),
    ),
    priority: fc.integer({ min: -5, max: 5 }),
    retry: fc.record({ maxAttempts: fc.integer({ min: 1, max: 100 }), backoffMs: fc.nat(10_000), maxBackoffMs: fc.nat(60_000) }),
    timeoutMs: fc.integer({ min: 1, max: 1e6 }),
    requiresApproval: fc.boolean(),
    description: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ['id', 'action', 'input', 'dependsOn', 'priority'] },
);
const thought = { thought: fc.string({ maxLength: 20 }) };
const outputArb: fc.Arbitrary<PlannerOutput> = fc.oneof(
  fc.record({ kind: fc.constant('done' as const), answer: fc.string(), ...thought }, { requiredKeys: ['kind', 'answer'] }),
  fc.record({ kind: fc.constant('need_input' as const), question: fc.string(), ...thought }, { requiredKeys: ['kind', 'question'] }),
  fc.record({ kind: fc.constant('single_action' as const), step: stepArb, ...thought }, { requiredKeys: ['kind', 'step'] }),
  fc.record(
    {
      kind: fc.constant('mini_plan' as const),
      plan: fc.record(
        {
          title: fc.string({ maxLength: 10 }),
          steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
          maxConcurrency: fc.integer({ min: 1, max: 1024 }),
          failurePolicy: fc.constantFrom('fail_fast' as const, 'continue' as const),
          requiresApproval: fc.boolean(),
        },
        { requiredKeys: ['steps', 'maxConcurrency', 'failurePolicy'] },
      ),
      ...thought,
    },
    { requiredKeys: ['kind', 'plan'] },
  ),
) as fc.Arbitrary<PlannerOutput>;

describe('parsePlannerReply', () => {
  it('round-trips every wire-representable PlannerOutput', () => {
    fc.assert(
      fc.property(outputArb, (o) => {
        const r = parsePlannerReply(toWire(o));
        expect(r).toEqual({ ok: true, output: PlannerOutput.parse(o) });
      }),
      { numRuns: 300 },
    );
  });

  it('decodes dependsOnAny as an any-join, and refuses a step giving both forms', () => {
    const plan = (b: Record<string, unknown>) =>
      wireReply({ kind: 'mini_plan', plan: { title: null, steps: [wireStep('a', 'echo', {}), wireStep('b', 'echo', {}), wireStep('c', 'echo', { v: '{{steps.$winner.output}}' }, b)], maxConcurrency: null, failurePolicy: null, requiresApproval: null } });
    const r = parsePlannerReply(plan({ dependsOnAny: ['a', 'b'] }));
    expect(r).toMatchObject({ ok: true, output: { plan: { steps: [{}, {}, { id: 'c', dependsOn: { any: ['a', 'b'] } }] } } });
    const both = parsePlannerReply(plan({ dependsOn: ['a'], dependsOnAny: ['a', 'b'] }));
    expect(both).toEqual({ ok: false, issues: ['plan.steps[2]: give either dependsOn (wait for all) or dependsOnAny (wait for the first), not both'] });
    const notArray = parsePlannerReply(plan({ dependsOnAny: 'a' }));
    expect(notArray).toMatchObject({ ok: false, issues: ['plan.steps[2].dependsOnAny: must be an array of step ids or null'] });
  });

  it('keeps nulls inside step inputs and accepts a ```json fence', () => {
    const text = wireReply({ kind: 'single_action', step: wireStep('s', 'echo', { text: null, n: [1, null] }) });
    const r = parsePlannerReply('```json\n' + text + '\n```');
    expect(r).toMatchObject({ ok: true, output: { step: { input: { text: null, n: [1, null] } } } });
  });

  it('reports bad inputJson with the step path', () => {
    const bad = wireReply({
      kind: 'mini_plan',
      plan: { title: null, steps: [{ ...wireStep('a', 'echo', {}), inputJson: '{oops' }, { ...wireStep('b', 'echo', {}), inputJson: '[1]' }] },
    });
    const r = parsePlannerReply(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toMatch(/^plan\.steps\[0\]\.inputJson: not valid JSON/);
    expect(r.issues[1]).toBe('plan.steps[1].inputJson: must encode a JSON object, got an array');
  });

  it('reports schema issues with paths, an unknown kind and non-JSON', () => {
    const r1 = parsePlannerReply(wireReply({ kind: 'single_action', step: wireStep('.x', 'echo', {}) }));
    expect(r1).toMatchObject({ ok: false, issues: [expect.stringMatching(/^step\.id: step id/)] });
    const r2 = parsePlannerReply(wireReply({ kind: 'celebrate' }));
    expect(r2).toMatchObject({ ok: false, issues: [expect.stringMatching(/^kind: /)] });
    const r3 = parsePlannerReply('I think we should');
    expect(r3).toMatchObject({ ok: false, issues: [expect.stringMatching(/^\(root\): the reply is not valid JSON/)] });
    const r4 = parsePlannerReply('[]');
    expect(r4.ok).toBe(false);
  });
});

describe('plannerResponseFormat', () => {
  it('is a strict json_schema: every object closed with all properties required', () => {
    const rf = plannerResponseFormat();
    expect(rf.type).toBe('json_schema');
    expect(rf.json_schema.strict).toBe(true);
    const objects: Record<string, unknown>[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) {
        const o = v as Record<string, unknown>;
        if (o['type'] === 'object') objects.push(o);
        Object.values(o).forEach(walk);
      }
    };
    walk(rf.json_schema.schema);
    expect(objects.length).toBeGreaterThanOrEqual(4);
    for (const o of objects) {
      expect(o['additionalProperties']).toBe(false);
      expect([...(o['required'] as string[])].sort()).toEqual(Object.keys(o['properties'] as object).sort());
    }
  });
});
