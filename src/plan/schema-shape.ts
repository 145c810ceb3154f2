/**
 * Coarse, structural introspection of zod 4 schemas, used to check output references at plan time:
 * which JSON types a schema can accept/produce, and which sub-schema sits at a path.
 *
 * Approximations (all err on the side of "could be satisfied"): integers count as `number`;
 * refinements, string formats, lengths and ranges are ignored; transforms, custom schemas, `any`
 * and `unknown` accept everything; unions take the union; intersections the intersection of types;
 * recursion (lazy) is followed to a depth of 32, then everything is accepted. Reads zod's internal
 * `_zod.def` (stable in zod 4's core API).
 */
import type { z } from 'zod';

/** JSON value types. */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';
export const ALL_JSON_TYPES: ReadonlySet<JsonType> = new Set(['string', 'number', 'boolean', 'null', 'object', 'array']);

/** Which side of pipes/transforms to look at: what a schema accepts (`input`) or produces (`output`). */
export type Side = 'input' | 'output';

type Def = { type: string } & Record<string, unknown>;
const defOf = (s: unknown): Def => (s as z.core.$ZodType)._zod.def as unknown as Def;

const MAX_DEPTH = 32;

/** A lazy schema's inner schema, cached by zod (calling `def.getter` would build a new one each time). */
const lazyInner = (s: unknown): unknown => ((s as z.core.$ZodType)._zod as unknown as { innerType: unknown }).innerType;

function jsonTypeOfValue(v: unknown): JsonType | undefined {
  if (v === null) return 'null';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return typeof v as JsonType;
  return undefined;
}

const memo = { input: new WeakMap<object, ReadonlySet<JsonType>>(), output: new WeakMap<object, ReadonlySet<JsonType>>() };

/** The set of JSON types `schema` can accept (`side: 'input'`) or produce (`'output'`). Memoized per schema. */
export function jsonTypesOf(schema: z.core.$ZodType, side: Side): ReadonlySet<JsonType> {
  let r = memo[side].get(schema);
  if (r === undefined) {
    r = typesOf(schema, side, 0);
    memo[side].set(schema, r);
  }
  return r;
}

function typesOf(schema: z.core.$ZodType, side: Side, depth: number): Set<JsonType> {
  if (depth > MAX_DEPTH) return new Set(ALL_JSON_TYPES);
  const d = defOf(schema);
  const rec = (s: unknown) => typesOf(s as z.core.$ZodType, side, depth + 1);
  switch (d.type) {
    case 'string':
    case 'template_literal':
      return new Set(['string']);
    case 'number':
      return new Set(['number']);
    case 'boolean':
      return new Set(['boolean']);
    case 'null':
      return new Set(['null']);
    case 'object':
    case 'record':
      return new Set(['object']);
    case 'array':
    case 'tuple':
      return new Set(['array']);
    case 'enum':
      return new Set(Object.values(d.entries as Record<string, unknown>).map(jsonTypeOfValue).filter((t) => t !== undefined));
    case 'literal':
      return new Set((d.values as unknown[]).map(jsonTypeOfValue).filter((t) => t !== undefined));
    case 'nullable':
      return new Set([...rec(d.innerType), 'null']);
    case 'optional':
    case 'nonoptional':
    case 'readonly':
    case 'default':
    case 'prefault':
      return rec(d.innerType);
    case 'catch':
      return side === 'input' ? new Set(ALL_JSON_TYPES) : rec(d.innerType);
    case 'lazy':
      return rec(lazyInner(schema));
    case 'pipe':
      return rec(side === 'input' ? d.in : d.out);
    case 'union': {
      const out = new Set<JsonType>();
      for (const o of d.options as unknown[]) for (const t of rec(o)) out.add(t);
      return out;
    }
    case 'intersection': {
      const r = rec(d.right);
      return new Set([...rec(d.left)].filter((t) => r.has(t)));
    }
    case 'never':
    case 'undefined':
    case 'void':
    case 'bigint':
    case 'symbol':
    case 'date':
    case 'map':
    case 'set':
    case 'nan':
    case 'promise':
    case 'function':
    case 'file':
      return new Set();
    default: // any, unknown, custom, transform, success, …
      return new Set(ALL_JSON_TYPES);
  }
}

/** What sits at a path inside a schema. */
export type SchemaAtPath =
  | { kind: 'any' }
  | { kind: 'schemas'; schemas: z.core.$ZodType[] }
  | { kind: 'missing'; reason: string };

/**
 * Navigates `path` (keys; digit strings also index arrays and tuples) inside `schema`.
 * Objects: a declared key, else the catchall (loose objects: anything), else `missing` (zod's default
 * objects strip unknown keys and strict ones refuse them). Records: the value schema. Unions: every
 * option that has the path.
 */
export function schemaAtPath(schema: z.core.$ZodType, path: readonly string[], side: Side): SchemaAtPath {
  let current: z.core.$ZodType[] = [schema];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const next: z.core.$ZodType[] = [];
    let reason: string | undefined;
    let any = false;
    for (const s of current) {
      const r = step(s, seg, side, 0);
      if (r.kind === 'any') any = true;
      else if (r.kind === 'missing') reason ??= r.reason;
      else next.push(...r.schemas);
    }
    if (any) return { kind: 'any' };
    if (next.length === 0) {
      const at = i === 0 ? 'the value' : `'${path.slice(0, i).join('.')}'`;
      return { kind: 'missing', reason: `${at} ${reason ?? 'has no such field'}` };
    }
    current = next;
  }
  return { kind: 'schemas', schemas: current };
}

function step(s: z.core.$ZodType, seg: string, side: Side, depth: number): SchemaAtPath {
  if (depth > MAX_DEPTH) return { kind: 'any' };
  const d = defOf(s);
  const rec = (x: unknown) => step(x as z.core.$ZodType, seg, side, depth + 1);
  const isIndex = /^\d+$/.test(seg);
  switch (d.type) {
    case 'object': {
      const shape = d.shape as Record<string, z.core.$ZodType>;
      if (Object.hasOwn(shape, seg)) return { kind: 'schemas', schemas: [shape[seg]!] };
      const catchall = d.catchall as z.core.$ZodType | undefined;
      if (catchall && defOf(catchall).type !== 'never') return { kind: 'schemas', schemas: [catchall] };
      return { kind: 'missing', reason: `has no field '${seg}' (fields: ${Object.keys(shape).join(', ') || 'none'})` };
    }
    case 'record':
      return { kind: 'schemas', schemas: [d.valueType as z.core.$ZodType] };
    case 'array':
      return isIndex ? { kind: 'schemas', schemas: [d.element as z.core.$ZodType] } : { kind: 'missing', reason: `is an array; '${seg}' is not an index` };
    case 'tuple': {
      const items = d.items as z.core.$ZodType[];
      if (!isIndex) return { kind: 'missing', reason: `is a tuple; '${seg}' is not an index` };
      const item = items[Number(seg)] ?? (d.rest as z.core.$ZodType | null | undefined);
      return item ? { kind: 'schemas', schemas: [item] } : { kind: 'missing', reason: `is a tuple of ${items.length}; no index ${seg}` };
    }
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'readonly':
    case 'default':
    case 'prefault':
    case 'catch':
      return rec(d.innerType);
    case 'lazy':
      return rec(lazyInner(s));
    case 'pipe':
      return rec(side === 'input' ? d.in : d.out);
    case 'union':
    case 'intersection': {
      const parts = d.type === 'union' ? (d.options as unknown[]) : [d.left, d.right];
      const found: z.core.$ZodType[] = [];
      let reason: string | undefined;
      for (const o of parts) {
        const r = rec(o);
        if (r.kind === 'any') return r;
        if (r.kind === 'missing') reason ??= r.reason;
        else found.push(...r.schemas);
      }
      return found.length > 0 ? { kind: 'schemas', schemas: found } : { kind: 'missing', reason: reason ?? 'has no such field' };
    }
    case 'any':
    case 'unknown':
    case 'custom':
    case 'transform':
      return { kind: 'any' };
    default:
      return { kind: 'missing', reason: `is a ${d.type}, not an object or array` };
  }
}

/** JSON types of whatever sits at the path (`ALL` for `any`, empty for `missing`). */
export function jsonTypesAt(r: SchemaAtPath, side: Side): Set<JsonType> {
  if (r.kind === 'any') return new Set(ALL_JSON_TYPES);
  if (r.kind === 'missing') return new Set();
  const out = new Set<JsonType>();
  for (const s of r.schemas) for (const t of jsonTypesOf(s, side)) out.add(t);
  return out;
}
