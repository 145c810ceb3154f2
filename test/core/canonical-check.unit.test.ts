/**
 * The canonical checks of fact data (src/core/canonical-check.ts): true only when zod would accept
 * the data and return an equal copy (same keys, same order). Property seeded by `FC_SEED`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileCanonicalCheck } from '../../src/core/canonical-check.ts';
import { factCodec, formatIssues, validateFact } from '../../src/facts/fact-codec.ts';
import { FACT_SCHEMAS, FACT_TYPES, FACT_VERSIONS, type FactType } from '../../src/facts/fact-types.ts';
import { simulateHistory } from '../../src/testing/fact-histories.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

const checks = new Map(FACT_TYPES.map((t) => [t, compileCanonicalCheck(FACT_SCHEMAS[t])]));

/** Stored data as a reader sees it: the codec's output, through JSON. */
const stored = (type: string, data: unknown): unknown => {
  const r = factCodec.encode(type, data, undefined);
  if (!r.ok) throw new Error(r.issues.join('; '));
  return JSON.parse(JSON.stringify(r.data));
};

/** Stored facts of the committed fixture and of simulated histories (every fact type the simulation writes). */
const samples: Array<{ type: FactType; data: unknown }> = [
  ...loadHistoryFixture('basic-thread').facts,
  ...[1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) => simulateHistory(seed, 60).facts),
].map((f) => ({ type: f.type, data: stored(f.type, f.data) }));

/** `zod`'s answer when the check says true: success, and a value equal to the input, keys in the same order. */
function expectZodAgrees(type: FactType, data: unknown): void {
  const parsed = FACT_SCHEMAS[type].safeParse(data);
  expect(parsed.success).toBe(true);
  expect(parsed.data).toStrictEqual(data);
  expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(data));
}

/** Every object and array node of `v` with the path to it. */
function nodes(v: unknown, path: Array<string | number> = []): Array<{ node: Record<string, unknown> | unknown[]; path: Array<string | number> }> {
  if (typeof v !== 'object' || v === null) return [];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [{ node: v as Record<string, unknown>, path }, ...entries.flatMap(([k, x]) => nodes(x, [...path, k]))];
}

/** The arrays and plain objects of `v` reachable through arrays and plain objects only (what `copyPlain` copies; other objects are kept by reference, as zod keeps them). */
function plainNodes(v: unknown, path: Array<string | number> = []): Array<{ node: object; path: Array<string | number> }> {
  if (typeof v !== 'object' || v === null || !(Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)) return [];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [{ node: v, path }, ...entries.flatMap(([k, x]) => plainNodes(x, [...path, k]))];
}

type Mutation = { at: number; op: 'delete' | 'set' | 'add' | 'reverse' | 'undefined'; key: string; value: unknown };

/** Applies a mutation to a deep copy of `data` at its `at`-th node (mod the node count). */
function mutate(data: unknown, m: Mutation): unknown {
  const copy = structuredClone(data);
  const all = nodes(copy);
  if (all.length === 0) return m.op === 'set' ? m.value : copy;
  const { node } = all[m.at % all.length]!;
  const keys = Object.keys(node);
  const key = keys.length > 0 ? keys[m.at % keys.length]! : m.key;
  const obj = node as Record<string, unknown>;
  switch (m.op) {
    case 'delete':
      if (Array.isArray(node)) node.pop();
      else delete obj[key];
      break;
    case 'set':
      if (Array.isArray(node)) node[m.at % (node.length + 1)] = m.value; // JSON arrays have indices only
      else obj[key] = m.value;
      break;
    case 'undefined':
      if (Array.isArray(node)) node[m.at % (node.length + 1)] = undefined;
      else obj[key] = undefined;
      break;
    case 'add':
      if (Array.isArray(node)) node.push(m.value);
      else obj[m.key] = m.value;
      break;
    case 'reverse': {
      if (Array.isArray(node)) node.reverse();
      else
        for (const [k, x] of Object.entries(obj).reverse()) {
          delete obj[k];
          obj[k] = x;
        }
      break;
    }
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'set', 'add', 'reverse', 'undefined'),
  key: fc.oneof(fc.constantFrom('__proto__', 'extra', 'kind', 'maxIterations', 'retry', 'dependsOn', 'any', '0'), fc.string({ maxLength: 4 })),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1.5, 2 ** 60, '', 'x', null, { any: ['a'] }, { kind: 'done', answer: 'a' })),
});

describe('canonical checks of fact data', () => {
  it('compile for every fact type (no type always falls back to zod)', () => {
    for (const t of FACT_TYPES) expect(checks.get(t), t).toBeTypeOf('function');
  });

  it('accept the data the codec stores, at the current versions', () => {
    expect(new Set(samples.map((s) => s.type)).size).toBeGreaterThan(15);
    for (const { type, data } of samples) {
      expect(checks.get(type)!(data), type).toBe(true);
      expectZodAgrees(type, data);
    }
    expect(FACT_VERSIONS.StepFailed).toBe(2); // samples are at the current versions
  });

  it(`property (seed ${SEED}): on mutated stored data, a true check means zod returns the same value`, () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
        const { type } = samples[i % samples.length]!;
        const data = ms.reduce((d, m) => mutate(d, m), samples[i % samples.length]!.data);
        if (checks.get(type)!(data)) expectZodAgrees(type, data);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  /** `[1, <hole>, 3]`: an array with a hole, as a runtime value may be. */
  const holey = (): unknown[] => {
    const a = [1, 2, 3];
    delete a[1];
    return a;
  };

  it(`property (seed ${SEED}): validateFact answers as zod does, and its result shares no plain object or array with its input`, () => {
    // runtime values a draft may be given besides JSON: undefined, non-finite numbers, objects of other kinds
    const odd = fc.constantFrom<unknown>(undefined, Number.NaN, Infinity, new Date(0), new Map([[1, 2]]), Object.create(null) as unknown, holey());
    // Assigning `__proto__` (an `add` of that key, or a `set` on an object with no key left) assigns the
    // node's prototype; with a Map or a Date as prototype the node is an object nobody can compare
    // (vitest's equality calls Map getters on it, which throw), so odd values are not assigned that way
    // (JSON values still are).
    const anyMutation = fc
      .record({ at: fc.nat(), op: mutation.map((m) => m.op), key: mutation.map((m) => m.key), value: fc.oneof(mutation.map((m) => m.value), odd) })
      .filter((m) => !(m.key === '__proto__' && (m.value instanceof Map || m.value instanceof Date)));
    fc.assert(
      fc.property(fc.nat(), fc.array(anyMutation, { maxLength: 3 }), (i, ms) => {
        const { type } = samples[i % samples.length]!;
        const data = ms.reduce((d, m) => mutate(d, m), samples[i % samples.length]!.data);
        const zod = FACT_SCHEMAS[type].safeParse(data);
        const got = validateFact(type, data);
        expect(got.ok).toBe(zod.success);
        if (!got.ok || !zod.success) {
          if (!zod.success) expect(got).toEqual({ ok: false, issues: formatIssues(zod.error) });
          return;
        }
        expect(got.data).toStrictEqual(zod.data);
        expect(JSON.stringify(got.data)).toBe(JSON.stringify(zod.data));
        if (checks.get(type)!(data)) {
          const inputs = new Set(plainNodes(data).map((n) => n.node));
          for (const { node, path } of plainNodes(got.data)) expect(inputs.has(node), path.join('.')).toBe(false);
        }
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('are false where zod would change or refuse the data', () => {
    const step = { id: 's1', action: 'a', input: {}, dependsOn: [], priority: 0 };
    const plan = { steps: [step], maxConcurrency: 4, failurePolicy: 'fail_fast' };
    const check = checks.get('PlanAccepted')!;
    const fact = { interactionId: 'i', planId: 'p', iteration: 1, plan };
    expect(check(fact)).toBe(true);
    expect(check({ ...fact, extra: 1 })).toBe(false); // stripped by zod
    expect(check({ planId: 'p', interactionId: 'i', iteration: 1, plan })).toBe(false); // zod's copy has the shape's order
    expect(check({ ...fact, plan: { steps: [step], failurePolicy: 'fail_fast' } })).toBe(false); // a default to fill
    expect(check({ ...fact, plan: { ...plan, steps: [{ ...step, extra: 1 }] } })).toBe(false); // strict: refused
    expect(check({ ...fact, plan: { ...plan, steps: [{ ...step, dependsOn: { any: ['s0'] } }] } })).toBe(true);
    expect(check({ ...fact, plan: { ...plan, steps: [{ ...step, dependsOn: { any: [] } }] } })).toBe(false);
    expect(check({ ...fact, plan: { ...plan, steps: [{ ...step, input: JSON.parse('{"__proto__":1}') as unknown }] } })).toBe(false); // zod drops the key
    expect(check({ ...fact, iteration: 1.5 })).toBe(false);
    expect(check({ ...fact, interactionId: 'bad id' })).toBe(false);
    expect(checks.get('InputReceived')!({ inputId: 'i', text: 't', from: undefined })).toBe(false);
  });

  it('do not compile a schema with an unknown part (a refinement, a transform, a loose object)', () => {
    expect(compileCanonicalCheck(z.string().refine((s) => s.length > 1))).toBeUndefined();
    expect(compileCanonicalCheck(z.object({ a: z.string().transform((s) => s.length) }))).toBeUndefined();
    expect(compileCanonicalCheck(z.looseObject({ a: z.string() }))).toBeUndefined();
    expect(compileCanonicalCheck(z.object({ a: z.email() }))).toBeUndefined();
    expect(compileCanonicalCheck(z.coerce.number())).toBeUndefined();
    expect(compileCanonicalCheck(z.xor([z.string(), z.string().min(2)]))).toBeUndefined();
  });
});
