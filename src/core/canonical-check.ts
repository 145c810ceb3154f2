/**
 * A fast path for validating data already in a schema's output form (stored fact data, a recorded
 * plan): `compileCanonicalCheck(schema)` builds, once per
 * schema, a predicate that is true only when `schema.safeParse(value)` would succeed AND return a
 * value deep-equal to `value` itself, with the same keys in the same order (no default to fill, no
 * unknown key to strip, no transform). Data written through the fact codec is stored in that
 * canonical form, so a reader can take the parsed JSON as it is instead of having zod build a copy
 * of it; whenever the predicate is false, the caller runs zod, which either returns its output or
 * the issues naming the field. The predicate never decides that data is invalid, only that zod's
 * answer is already known.
 *
 * Compiled from zod's schema definitions (`schema._zod.def`), for the subset of zod the fact
 * schemas use: object (strip or strict), string (min/max length, regex), number (int, bounds),
 * boolean, enum and literal of strings, union (plain and discriminated), array (length bounds),
 * record with string keys, optional, nullable, default, unknown. A schema holding anything else
 * (another type, a check kind or string format not listed, a refinement, a transform) compiles to
 * `undefined`, and its facts always go through zod: a definition with any field not read here
 * (a string format such as `z.email()`, coercion, a catchall) is not compiled.
 *
 * The values checked are JSON values as `JSON.parse` returns them (plain objects, arrays without
 * other properties, strings, finite numbers, booleans, null), or an upcaster's output of such data;
 * an `undefined` anywhere is never canonical.
 */
import type { z } from 'zod';

/** True only when zod would accept the value and return an equal value (see the module doc). Never throws. */
export type CanonicalCheck = (value: unknown) => boolean;

/** The parts of zod's internal definitions read here (zod 4). */
interface Def {
  type: string;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  innerType?: Schema;
  options?: Schema[];
  discriminator?: string;
  inclusive?: boolean;
  entries?: Record<string, unknown>;
  values?: unknown[];
}
interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: number | bigint;
  inclusive?: boolean;
}
type Schema = { _zod: { def: Def } };

/** JS kinds a value may have, as `kindOf` names them. */
type Kind = 'object' | 'array' | 'null' | 'undefined' | 'string' | 'number' | 'boolean' | 'other';

const kindOf = (v: unknown): Kind => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'object' || t === 'string' || t === 'number' || t === 'boolean' || t === 'undefined' ? t : 'other';
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** A key that JS objects order before the others (array index): zod's output order could differ from its shape's. */
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/**
 * The canonical check of `schema` (see the module doc), or `undefined` when the schema uses a part
 * of zod this compiler does not know (its values then always need zod). Pure; compile once per schema.
 */
export function compileCanonicalCheck(schema: z.ZodType): CanonicalCheck | undefined {
  return compile(schema as unknown as Schema);
}

/** The definition fields each compiled type may have (any other field: not compiled). */
const KNOWN_FIELDS: Record<string, readonly string[]> = {
  unknown: [],
  any: [],
  string: ['checks'],
  number: ['checks'],
  boolean: [],
  enum: ['entries'],
  literal: ['values'],
  optional: ['innerType'],
  nullable: ['innerType'],
  default: ['innerType', 'defaultValue'],
  array: ['element', 'checks'],
  record: ['keyType', 'valueType'],
  object: ['shape', 'catchall'],
  union: ['options', 'discriminator', 'inclusive'],
};

/**
 * True when every field of `def` is one `KNOWN_FIELDS` lists for its type (undefined fields aside;
 * `error`, a custom message, changes neither what is accepted nor the output).
 */
function known(def: Def): boolean {
  const fields = KNOWN_FIELDS[def.type];
  if (fields === undefined) return false;
  for (const [k, v] of Object.entries(def)) if (k !== 'type' && k !== 'error' && v !== undefined && !fields.includes(k)) return false;
  return true;
}

function compile(schema: Schema): CanonicalCheck | undefined {
  const def = schema._zod.def;
  if (!known(def)) return undefined;
  switch (def.type) {
    case 'unknown':
    case 'any':
      return () => true;
    case 'string':
      return stringCheck(def);
    case 'number':
      return numberCheck(def);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      if (!values.every((x) => typeof x === 'string')) return undefined;
      const set = new Set<unknown>(values);
      return (v) => set.has(v);
    }
    case 'literal': {
      if (!(def.values ?? []).every((x) => typeof x === 'string')) return undefined;
      const set = new Set<unknown>(def.values);
      return (v) => set.has(v);
    }
    case 'optional': {
      const inner = compile(def.innerType!);
      return inner && ((v) => v === undefined || inner(v));
    }
    case 'nullable': {
      const inner = compile(def.innerType!);
      return inner && ((v) => v === null || inner(v));
    }
    case 'default': {
      const inner = compile(def.innerType!);
      return inner && ((v) => v !== undefined && inner(v));
    }
    case 'array':
      return arrayCheck(def);
    case 'record':
      return recordCheck(def);
    case 'object':
      return objectCheck(def);
    case 'union':
      if (def.discriminator !== undefined) return discriminatedCheck(def, def.discriminator);
      return def.inclusive === false ? undefined : unionCheck(def); // z.xor (exactly one option): not compiled
    default:
      return undefined;
  }
}

function stringCheck(def: Def): CanonicalCheck | undefined {
  let min = 0;
  let max = Infinity;
  const patterns: RegExp[] = [];
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'min_length') min = Math.max(min, d.minimum!);
    else if (d.check === 'max_length') max = Math.min(max, d.maximum!);
    else if (d.check === 'string_format' && d.format === 'regex' && d.pattern instanceof RegExp) patterns.push(d.pattern);
    else return undefined;
  }
  return (v) => {
    if (typeof v !== 'string' || v.length < min || v.length > max) return false;
    for (const p of patterns) {
      p.lastIndex = 0; // as zod does: a global or sticky pattern keeps state between tests
      if (!p.test(v)) return false;
    }
    return true;
  };
}

function numberCheck(def: Def): CanonicalCheck | undefined {
  let int = false;
  let lo = -Infinity;
  let loInclusive = true;
  let hi = Infinity;
  let hiInclusive = true;
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'number_format' && d.format === 'safeint') int = true;
    else if (d.check === 'greater_than' && typeof d.value === 'number') {
      if (d.value > lo || (d.value === lo && !d.inclusive)) [lo, loInclusive] = [d.value, d.inclusive === true];
    } else if (d.check === 'less_than' && typeof d.value === 'number') {
      if (d.value < hi || (d.value === hi && !d.inclusive)) [hi, hiInclusive] = [d.value, d.inclusive === true];
    } else return undefined;
  }
  return (v) =>
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!int || Number.isSafeInteger(v)) &&
    (loInclusive ? v >= lo : v > lo) &&
    (hiInclusive ? v <= hi : v < hi);
}

function arrayCheck(def: Def): CanonicalCheck | undefined {
  const element = compile(def.element!);
  if (element === undefined) return undefined;
  let min = 0;
  let max = Infinity;
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'min_length') min = Math.max(min, d.minimum!);
    else if (d.check === 'max_length') max = Math.min(max, d.maximum!);
    else return undefined;
  }
  return (v) => {
    if (!Array.isArray(v) || v.length < min || v.length > max) return false;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === undefined || !element(x)) return false; // undefined (or a hole): zod's copy could differ
    }
    return true;
  };
}

function recordCheck(def: Def): CanonicalCheck | undefined {
  if (def.keyType?._zod.def.type !== 'string') return undefined;
  const key = compile(def.keyType);
  const value = compile(def.valueType!);
  if (key === undefined || value === undefined) return undefined;
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const k in v) {
      // zod's copy drops an own `__proto__` key (assigning it sets the prototype)
      if (k === '__proto__' || !key(k)) return false;
      const x = v[k];
      if (x === undefined || !value(x)) return false;
    }
    return true;
  };
}

/**
 * An object: every key known to the shape, in the shape's order (zod writes its output in that
 * order), every required key present, no `undefined` value; an unknown key is never canonical (zod
 * strips it, or refuses it for a strict object).
 */
function objectCheck(def: Def): CanonicalCheck | undefined {
  if (def.catchall !== undefined && def.catchall._zod.def.type !== 'never') return undefined; // loose / catchall: not compiled
  const keys = Object.keys(def.shape ?? {});
  if (keys.some((k) => INDEX_LIKE.test(k) || k === '__proto__')) return undefined;
  const index = new Map<string, number>();
  const checks: CanonicalCheck[] = [];
  const required: boolean[] = [];
  for (const [i, k] of keys.entries()) {
    const s = def.shape![k]!;
    const check = compile(s);
    if (check === undefined) return undefined;
    index.set(k, i);
    checks.push(check);
    required.push(s._zod.def.type !== 'optional');
  }
  const requiredCount = required.filter(Boolean).length;
  return (v) => {
    if (!isPlainObject(v)) return false;
    let last = -1;
    let present = 0;
    for (const k in v) {
      const i = index.get(k);
      if (i === undefined || i <= last) return false;
      last = i;
      const x = v[k];
      if (x === undefined || !checks[i]!(x)) return false;
      if (required[i]) present++;
    }
    return present === requiredCount;
  };
}

/** A discriminated union: zod tries only the option whose literal discriminator matches. */
function discriminatedCheck(def: Def, discriminator: string): CanonicalCheck | undefined {
  const byValue = new Map<unknown, CanonicalCheck>();
  for (const option of def.options ?? []) {
    const tag = option._zod.def.shape?.[discriminator]?._zod.def;
    const check = compile(option);
    if (tag?.type !== 'literal' || check === undefined) return undefined;
    for (const value of tag.values ?? []) {
      if (byValue.has(value)) return undefined;
      byValue.set(value, check);
    }
  }
  return (v) => {
    if (!isPlainObject(v)) return false;
    const check = byValue.get(v[discriminator]);
    return check !== undefined && check(v);
  };
}

/**
 * A plain union: zod returns the first option that accepts the value. Option `i` decides only when
 * no earlier option can accept a value of this JS kind at all (known from the kinds each accepts).
 */
function unionCheck(def: Def): CanonicalCheck | undefined {
  const options: Array<{ check: CanonicalCheck; earlier: Set<Kind> }> = [];
  const earlier = new Set<Kind>();
  for (const option of def.options ?? []) {
    const check = compile(option);
    const kinds = kindsOf(option);
    if (check === undefined || kinds === undefined) return undefined;
    options.push({ check, earlier: new Set(earlier) });
    for (const k of kinds) earlier.add(k);
  }
  return (v) => {
    const kind = kindOf(v);
    for (const o of options) {
      if (o.earlier.has(kind)) return false; // an earlier option might take it: leave it to zod
      if (o.check(v)) return true;
    }
    return false;
  };
}

/** Every JS kind `schema` may accept, or `undefined` when not known (e.g. `unknown`). */
function kindsOf(schema: Schema): Kind[] | undefined {
  const def = schema._zod.def;
  const inner = (extra: Kind): Kind[] | undefined => {
    const k = kindsOf(def.innerType!);
    return k && [...k, extra];
  };
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'object':
    case 'array':
      return [def.type];
    case 'record':
      return ['object'];
    case 'enum':
      return [...new Set(Object.values(def.entries ?? {}).map(kindOf))];
    case 'literal':
      return [...new Set((def.values ?? []).map(kindOf))];
    case 'optional':
    case 'default':
      return inner('undefined');
    case 'nullable':
      return inner('null');
    case 'union': {
      const all: Kind[] = [];
      for (const o of def.options ?? []) {
        const k = kindsOf(o);
        if (k === undefined) return undefined;
        all.push(...k);
      }
      return all;
    }
    default:
      return undefined;
  }
}

/**
 * A deep copy of the plain data in `value`: arrays and objects whose prototype is `Object.prototype`
 * are copied (own enumerable string keys, in order; an own `__proto__` key stays an own key), every
 * other value is kept as it is (primitives, and objects of other kinds, which a schema's `unknown`
 * passes through by reference as zod does); an array's holes stay holes. Recursion depth: the
 * value's nesting depth.
 */
export function copyPlain(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copyPlain(value[i]);
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = copyPlain((value as Record<string, unknown>)[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}
