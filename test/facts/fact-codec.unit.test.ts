/** The fact codec: validation on append (issues name the field), upcasting and validation on read. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFactCodec, factCodec } from '../../src/facts/fact-codec.ts';
import { FACT_SCHEMAS, FACT_TYPES, FACT_VERSIONS, isFactType } from '../../src/facts/fact-types.ts';
import type { CodecResult } from '../../src/store/codec.ts';

const stepRef = { interactionId: 'int-1', planId: 'plan-1', stepId: 'fetch' };

const issuesOf = (r: CodecResult): string[] => (r.ok ? [] : r.issues);
const dataOf = (r: CodecResult): unknown => {
  if (!r.ok) throw new Error(`codec refused: ${r.issues.join('; ')}`);
  return r.data;
};

describe('fact types', () => {
  it('lists every type once, each with a schema and a version ≥ 1 (StepFailed at 2)', () => {
    expect(new Set(FACT_TYPES).size).toBe(FACT_TYPES.length);
    expect(FACT_TYPES).toEqual(Object.keys(FACT_SCHEMAS)); // the zod-free list (fact-names.ts) is the schema table's, in order
    for (const t of FACT_TYPES) {
      expect(FACT_SCHEMAS[t]).toBeDefined();
      expect(FACT_VERSIONS[t]).toBeGreaterThanOrEqual(1);
    }
    expect(FACT_VERSIONS.StepFailed).toBe(2);
    expect(isFactType('ThreadOpened')).toBe(true);
    expect(isFactType('toString')).toBe(false);
    expect(isFactType('NoSuchFact')).toBe(false);
  });
});

describe('factCodec.encode', () => {
  it('accepts a valid fact at the current version and applies defaults', () => {
    const r = factCodec.encode('ThreadOpened', { threadId: 't-1', policy: { kind: 'parallel', max: 2 } }, undefined);
    expect(r).toEqual({ ok: true, schemaVersion: 1, data: { threadId: 't-1', policy: { kind: 'parallel', max: 2 }, maxIterations: 8 } });
  });

  it('names each invalid field with its path under data', () => {
    const issues = issuesOf(factCodec.encode('StepStarted', { ...stepRef, attempt: 0, idempotencyKey: '' }, undefined));
    const text = issues.join(' | ');
    expect(text).toContain('data.attempt');
    expect(text).toContain('data.idempotencyKey');
    expect(text).toContain('data.startedAtMs');
    expect(issuesOf(factCodec.encode('ThreadOpened', { threadId: 't', policy: { kind: 'parallel' } }, undefined)).join(' ')).toContain(
      'data.policy.max',
    );
    expect(issuesOf(factCodec.encode('InputReceived', 'text', undefined)).join(' ')).toContain('data.(root)');
  });

  it('refuses an unknown type and a schemaVersion other than the current one', () => {
    expect(issuesOf(factCodec.encode('NoSuchFact', {}, undefined))).toEqual(["type: unknown fact type 'NoSuchFact'"]);
    const old = factCodec.encode('StepFailed', { ...stepRef, attempt: 1, error: { message: 'x' }, retryInMs: null, retryAtMs: null }, 1);
    expect(issuesOf(old).join(' ')).toContain("'StepFailed' is written at version 2, got 1");
    expect(factCodec.encode('InputReceived', { inputId: 'i', text: 't' }, 1).ok).toBe(true);
  });
});

describe('factCodec.decode', () => {
  it('upcasts StepFailed v1 (error string, no retryAtMs) to v2', () => {
    const retry = factCodec.decode('StepFailed', { ...stepRef, attempt: 2, error: 'timeout', retryInMs: 1000, durationMs: 5 }, 1);
    expect(retry).toEqual({
      ok: true,
      schemaVersion: 2,
      data: { ...stepRef, attempt: 2, error: { message: 'timeout' }, retryInMs: 1000, retryAtMs: 0, costUsd: 0, durationMs: 5 },
    });
    const final = dataOf(factCodec.decode('StepFailed', { ...stepRef, attempt: 3, error: 'fatal', retryInMs: null }, 1));
    expect(final).toMatchObject({ error: { message: 'fatal' }, retryInMs: null, retryAtMs: null });
    const objectError = dataOf(factCodec.decode('StepFailed', { ...stepRef, attempt: 1, error: { message: 'm', code: 'E' }, retryInMs: null }, 1));
    expect(objectError).toMatchObject({ error: { message: 'm', code: 'E' } });
  });

  it('validates after upcasting: an invalid v1 payload is reported with its field', () => {
    const r = factCodec.decode('StepFailed', { ...stepRef, attempt: 'one', error: 'x', retryInMs: null }, 1);
    expect(issuesOf(r).join(' ')).toContain('data.attempt');
  });

  it('refuses a newer schemaVersion, an unknown type, and a payload that is not an object when upcasting', () => {
    expect(issuesOf(factCodec.decode('StepFailed', {}, 3)).join(' ')).toContain('3 is newer than this code');
    expect(issuesOf(factCodec.decode('NoSuchFact', {}, 1))).toEqual(["type: unknown fact type 'NoSuchFact'"]);
    expect(issuesOf(factCodec.decode('StepFailed', 'boom', 1))).toEqual(['data: not an object']);
  });

  it('chains upcasters in version order and reports a missing step', () => {
    const codec = createFactCodec(
      {
        InputReceived: {
          1: (d) => ({ ...d, body: d.message, message: undefined }),
          2: (d) => ({ inputId: d.inputId, text: String(d.body).toUpperCase() }),
        },
      },
      { ...FACT_VERSIONS, InputReceived: 3 },
    );
    expect(codec.decode('InputReceived', { inputId: 'i-1', message: 'hi' }, 1)).toEqual({
      ok: true,
      schemaVersion: 3,
      data: { inputId: 'i-1', text: 'HI' },
    });
    const gap = createFactCodec({}, { ...FACT_VERSIONS, InputReceived: 2 });
    expect(issuesOf(gap.decode('InputReceived', { inputId: 'i', text: 't' }, 1)).join(' ')).toContain(
      "no upcaster for 'InputReceived' from version 1",
    );
  });

  it('decode(encode(fact)) at the current version returns the encoded payload (property)', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/);
    const fact = fc.oneof(
      fc.record({ type: fc.constant('InputReceived'), data: fc.record({ inputId: id, text: fc.string() }) }),
      fc.record({
        type: fc.constant('StepFailed'),
        data: fc.record({
          ...Object.fromEntries(Object.entries(stepRef).map(([k]) => [k, id])),
          attempt: fc.integer({ min: 1, max: 9 }),
          error: fc.record({ message: fc.string() }),
          retryInMs: fc.option(fc.nat(), { nil: null }),
          retryAtMs: fc.option(fc.nat(), { nil: null }),
        }),
      }),
      fc.record({ type: fc.constant('BudgetWarned'), data: fc.record({ spentUsd: fc.double({ min: 0, max: 1e6, noNaN: true }), limitUsd: fc.double({ min: 0, max: 1e6, noNaN: true }) }) }),
    );
    fc.assert(
      fc.property(fact, ({ type, data }) => {
        const encoded = factCodec.encode(type, data, undefined);
        const stored = JSON.parse(JSON.stringify(dataOf(encoded))) as unknown;
        const decoded = factCodec.decode(type, stored, FACT_VERSIONS[type as keyof typeof FACT_VERSIONS]);
        expect(dataOf(decoded)).toEqual(dataOf(encoded));
      }),
      { numRuns: 100 },
    );
  });
});
