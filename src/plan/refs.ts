/**
 * Output references in step inputs (syntax in `plan-schema.ts`):
 * `{{steps.<id>.output}}` or `{{steps.<id>.output.<path>}}`, `<path>` dot-separated keys or array
 * indices (digits). Whitespace just inside the braces is tolerated. A string that is exactly one
 * reference is replaced by the referenced value with its JSON type; references inside a longer
 * string are interpolated as text (strings as-is, anything else as JSON). Only string values are
 * scanned (object keys never). Anything starting with `{{steps.` that does not parse is malformed
 * (plan-time error); other `{{...}}` text is left alone. There is no escape syntax.
 *
 * `{{steps.$winner.output…}}` names the winner of the step's any-join (dependencies.ts): the
 * resolver is given its output under the key `$winner`.
 *
 * Step ids may contain `.`, so `steps.a.output.output` is ambiguous; the id is the shortest prefix
 * before an `output` segment that names a known step (when the caller knows the ids), else the
 * shortest prefix.
 */
import { ReferenceResolutionError } from './errors.ts';
import { joinFieldPath } from './field-path.ts';
import { WINNER_REF } from './dependencies.ts';
import { StepId } from './plan-schema.ts';

/** One parsed reference. */
export interface OutputRef {
  stepId: string;
  /** Path into the output: keys, or digit strings used as array indices. */
  path: string[];
  /** The reference as written, e.g. `{{ steps.a.output.x }}`. */
  text: string;
  /** Offset of `text` in the string it was found in. */
  start: number;
}

/** A string value in an input that holds references (or a malformed one). */
export interface RefSite {
  /** Path of the value inside the input (keys and array indices). */
  path: (string | number)[];
  /** True when the whole string is one reference (it keeps the referenced JSON type). */
  whole: boolean;
  refs: OutputRef[];
  /** Set when a `{{steps.` occurrence does not parse: why. */
  malformed?: string;
}

const START = /\{\{\s*steps\./g;
const FULL = /\{\{\s*steps\.([^\s{}]+)\s*\}\}/y;

/** Renders a reference: `formatRef('a', ['x', '0'])` → `{{steps.a.output.x.0}}`. */
export function formatRef(stepId: string, path: readonly string[] = []): string {
  return `{{steps.${stepId}.output${path.map((p) => `.${p}`).join('')}}}`;
}

function parseInner(inner: string, text: string, start: number, knownIds?: ReadonlySet<string>): OutputRef | string {
  const segs = inner.split('.');
  if (segs.some((s) => s === '')) return `${text}: empty path segment`;
  const candidates: number[] = [];
  for (let k = 1; k < segs.length; k++) if (segs[k] === 'output') candidates.push(k);
  if (candidates.length === 0) return `${text}: expected {{steps.<id>.output}} or {{steps.<id>.output.<path>}}`;
  const pick = candidates.find((k) => knownIds?.has(segs.slice(0, k).join('.'))) ?? candidates[0]!;
  const stepId = segs.slice(0, pick).join('.');
  if (stepId !== WINNER_REF && !StepId.safeParse(stepId).success) return `${text}: '${stepId}' is not a valid step id`;
  return { stepId, path: segs.slice(pick + 1), text, start };
}

/**
 * Scans one string for references.
 * @returns `undefined` when it holds none; otherwise the references, whether the string is exactly
 *   one reference, and `malformed` (a reason) when an occurrence of `{{steps.` does not parse.
 */
export function scanString(s: string, knownIds?: ReadonlySet<string>): Omit<RefSite, 'path'> | undefined {
  if (!s.includes('{{')) return undefined;
  const refs: OutputRef[] = [];
  let malformed: string | undefined;
  START.lastIndex = 0;
  for (let m = START.exec(s); m !== null; m = START.exec(s)) {
    FULL.lastIndex = m.index;
    const full = FULL.exec(s);
    if (!full) {
      malformed ??= `malformed reference at '${s.slice(m.index, m.index + 40)}': expected {{steps.<id>.output[.<path>]}}`;
      continue;
    }
    const r = parseInner(full[1]!, full[0], m.index, knownIds);
    if (typeof r === 'string') malformed ??= `malformed reference ${r}`;
    else refs.push(r);
    START.lastIndex = m.index + full[0].length;
  }
  if (refs.length === 0 && malformed === undefined) return undefined;
  const whole = refs.length === 1 && malformed === undefined && refs[0]!.text === s;
  return malformed === undefined ? { whole, refs } : { whole, refs, malformed };
}

/** Every string in `input` (depth-first, keys in insertion order) that holds references. */
export function collectRefs(input: unknown, knownIds?: ReadonlySet<string>): RefSite[] {
  const sites: RefSite[] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (typeof v === 'string') {
      const found = scanString(v, knownIds);
      if (found) sites.push({ path, ...found });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(input, []);
  return sites;
}

/** Result of looking up a path in a value. */
export type PathLookup = { found: true; value: unknown } | { found: false; reason: string };

/**
 * Looks up `path` in `value`: digit segments index arrays, other segments are own keys of plain
 * objects (a digit segment on an object is a key). Never reads inherited properties.
 */
export function getAtPath(value: unknown, path: readonly string[]): PathLookup {
  let cur = value;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const at = i === 0 ? 'the output' : `'${path.slice(0, i).join('.')}'`;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return { found: false, reason: `${at} is an array; '${seg}' is not an index` };
      const idx = Number(seg);
      if (idx >= cur.length) return { found: false, reason: `${at} has ${cur.length} items; index ${idx} does not exist` };
      cur = cur[idx];
    } else if (cur !== null && typeof cur === 'object') {
      if (!Object.hasOwn(cur, seg)) return { found: false, reason: `${at} has no field '${seg}'` };
      cur = (cur as Record<string, unknown>)[seg];
    } else {
      return { found: false, reason: `${at} is ${cur === null ? 'null' : typeof cur}, not an object or array` };
    }
  }
  return cur === undefined ? { found: false, reason: 'the value is undefined' } : { found: true, value: cur };
}

/** Text form of a value interpolated into a longer string: strings as-is, everything else as JSON. */
export function interpolationText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Resolves every output reference in `input` against `outputs` (step id → recorded output), run time.
 * Returns a new value (the input is not modified); strings without references are kept as they are.
 * @param options.stepId the referencing step, for error messages.
 * @throws ReferenceResolutionError (code `INPUT_REFERENCE`) naming the step, the input field and the
 *   reference when a referenced step has no output in `outputs`, the path does not exist, or a
 *   reference is malformed.
 */
export function resolveRefs<T>(input: T, outputs: Readonly<Record<string, unknown>>, options: { stepId?: string } = {}): T {
  const known = new Set(Object.keys(outputs));
  const lookup = (ref: OutputRef, field: string): unknown => {
    if (!Object.hasOwn(outputs, ref.stepId)) {
      throw new ReferenceResolutionError(options.stepId, field, ref.text, `step '${ref.stepId}' has no recorded output`);
    }
    const r = getAtPath(outputs[ref.stepId], ref.path);
    if (!r.found) throw new ReferenceResolutionError(options.stepId, field, ref.text, `in step '${ref.stepId}': ${r.reason}`);
    return r.value;
  };
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const site = scanString(v, known);
      if (!site) return v;
      const field = joinFieldPath('input', path);
      if (site.malformed) throw new ReferenceResolutionError(options.stepId, field, v, site.malformed);
      if (site.whole) return lookup(site.refs[0]!, field);
      let out = '';
      let pos = 0;
      for (const ref of site.refs) {
        out += v.slice(pos, ref.start) + interpolationText(lookup(ref, field));
        pos = ref.start + ref.text.length;
      }
      return out + v.slice(pos);
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x, [...path, k]);
      return o;
    }
    return v;
  };
  return walk(input, []) as T;
}
