import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonTypesAt, jsonTypesOf, schemaAtPath } from '../../src/plan/schema-shape.ts';

const types = (s: z.ZodType, side: 'input' | 'output' = 'input') => [...jsonTypesOf(s, side)].sort();

describe('jsonTypesOf', () => {
  it.each([
    [z.string().url(), ['string']],
    [z.int(), ['number']],
    [z.enum(['a', 'b']), ['string']],
    [z.literal([1, null]), ['null', 'number']],
    [z.string().nullable().optional(), ['null', 'string']],
    [z.union([z.boolean(), z.array(z.number())]), ['array', 'boolean']],
    [z.intersection(z.union([z.string(), z.number()]), z.string()), ['string']],
    [z.object({}).strict(), ['object']],
    [z.tuple([z.string()]), ['array']],
    [z.never(), []],
    [z.date(), []],
    [z.unknown(), ['array', 'boolean', 'null', 'number', 'object', 'string']],
    [z.json(), ['array', 'boolean', 'null', 'number', 'object', 'string']],
  ])('%#: types of a schema', (schema, want) => {
    expect(types(schema as z.ZodType)).toEqual(want);
  });

  it('pipes and transforms: input side vs output side', () => {
    const p = z.string().pipe(z.coerce.number());
    expect(types(p, 'input')).toEqual(['string']);
    expect(types(p, 'output')).toEqual(['number']);
    expect(types(z.string().catch('x'), 'input')).toHaveLength(6);
    expect(types(z.string().catch('x'), 'output')).toEqual(['string']);
  });

  it('recursive schemas terminate', () => {
    type Tree = { v: number; kids: Tree[] };
    const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ v: z.number(), kids: z.array(Tree) }));
    expect(types(Tree)).toEqual(['object']);
    expect(schemaAtPath(Tree, ['kids', '0', 'kids', '3', 'v'], 'output')).toMatchObject({ kind: 'schemas' });
  });
});

describe('schemaAtPath', () => {
  const S = z.object({
    a: z.object({ b: z.array(z.object({ c: z.string() })) }),
    loose: z.looseObject({ x: z.number() }),
    strict: z.strictObject({ x: z.number() }),
    rec: z.record(z.string(), z.boolean()),
    u: z.union([z.object({ p: z.string() }), z.object({ q: z.number() })]),
    t: z.tuple([z.string()], z.number()),
    any: z.any(),
    opt: z.object({ deep: z.string() }).optional(),
  });
  const at = (...path: string[]) => schemaAtPath(S, path, 'output');

  it('finds declared keys, indices, catchalls, record values and union options', () => {
    expect([...jsonTypesAt(at('a', 'b', '0', 'c'), 'output')]).toEqual(['string']);
    expect(at('loose', 'anything').kind).toBe('schemas');
    expect([...jsonTypesAt(at('rec', 'k'), 'output')]).toEqual(['boolean']);
    expect([...jsonTypesAt(at('u', 'q'), 'output')]).toEqual(['number']);
    expect([...jsonTypesAt(at('t', '5'), 'output')]).toEqual(['number']);
    expect(at('any', 'x', 'y')).toEqual({ kind: 'any' });
    expect([...jsonTypesAt(at('opt', 'deep'), 'output')]).toEqual(['string']);
  });

  it.each([
    [['nope'], "the value has no field 'nope' (fields: a, loose, strict, rec, u, t, any, opt)"],
    [['strict', 'y'], "'strict' has no field 'y' (fields: x)"],
    [['a', 'b', 'x'], "'a.b' is an array; 'x' is not an index"],
    [['a', 'b', '0', 'c', 'len'], "'a.b.0.c' is a string, not an object or array"],
    [['u', 'r'], "'u' has no field 'r' (fields: p)"],
  ])('reports a missing path %j', (path, reason) => {
    expect(at(...path)).toEqual({ kind: 'missing', reason });
  });
});
