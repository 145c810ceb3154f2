/**
 * The codec of Orchestral facts: validates payloads with the zod schema of their type on append,
 * and on read upcasts old schema versions then validates. Unknown types are refused both ways.
 *
 * Validated once per append: `validateFact` (what the runtime's draft calls before folding a fact)
 * validates the data (a copy of canonical data, else zod's parse) and marks the resulting object as
 * validated for its schema; `encode` accepts a
 * marked object as it is, with the JSON text written when it was validated (the store does not
 * serialise it again), and parses everything else (data from any other caller) as before. The
 * mark is by object identity (a WeakMap: it never keeps data alive), only `validateFact` sets it
 * and the first `encode` of the object uses it up, so data nobody validated in this process is
 * always checked. A marked object must not be changed
 * afterwards: the fold already shares fact data with the machine snapshots, which the runtime
 * treats as immutable.
 */
import type { z } from 'zod';
import type { CodecResult, EventCodec } from '../store/codec.ts';
import { FACT_SCHEMAS, FACT_TYPES, FACT_VERSIONS, type FactOf, type FactType } from './fact-types.ts';
import { UPCASTERS, type UpcasterTable } from './upcasters.ts';
import { compileCanonicalCheck, copyPlain, type CanonicalCheck } from '../core/canonical-check.ts';

export { copyPlain } from '../core/canonical-check.ts';

/** The zod issues of a fact's data as one line each: `data.<path>: <message>` (`(root)` for the data itself). */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `data.${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
}

const never: CanonicalCheck = () => false;

/**
 * Validated fact data objects: the schema that validated them and their JSON text, when it could be
 * written (see the module doc).
 */
const validated = new WeakMap<object, { schema: z.ZodType; json: string | undefined }>();

/** The canonical check of each fact type's schema, compiled on first use (see `validateFact`). */
const draftChecks = new Map<string, CanonicalCheck>();
const draftCheckOf = (type: string, schema: z.ZodType): CanonicalCheck => {
  let check = draftChecks.get(type);
  if (check === undefined) draftChecks.set(type, (check = compileCanonicalCheck(schema) ?? never));
  return check;
};

/**
 * Validates `data` as the payload of a `type` fact (defaults filled, as a reader of the store sees
 * it) and marks the result so the fact codec's `encode` does not parse it again on append.
 *
 * Data already in canonical form (its type's canonical check, `src/core/canonical-check.ts`: zod would accept
 * it and return an equal value, keys in the same order) is copied with `copyPlain` instead of being
 * parsed: the same value zod returns, built without zod's per-node work; everything else is parsed
 * by the schema. Either way the result is a new object the caller's data does not share (plain
 * objects and arrays copied), so a caller changing its own objects later cannot change a fact.
 * The payload's JSON text is written here, once: the draft measures the fact with it and `encode`
 * hands it to the store (`CodecResult.dataJson`), which stores it as it is.
 * @returns `{ ok: true, data, json }` (`data` a new object: the payload; `json` its JSON text,
 *   undefined when `JSON.stringify` has none or throws) or `{ ok: false, issues }`, one line per
 *   problem as `formatIssues` writes them. Never throws.
 */
export function validateFact<T extends FactType>(
  type: T,
  data: unknown,
): { ok: true; data: FactOf<T>['data']; json: string | undefined } | { ok: false; issues: string[] } {
  const schema: z.ZodType = FACT_SCHEMAS[type];
  let out: unknown = NOT_COPIED;
  if (draftCheckOf(type, schema)(data)) out = copyOrNot(data);
  if (out === NOT_COPIED) {
    const parsed = schema.safeParse(data);
    if (!parsed.success) return { ok: false, issues: formatIssues(parsed.error) };
    out = parsed.data;
  }
  const json = jsonOf(out);
  if (typeof out === 'object' && out !== null) validated.set(out, { schema, json });
  return { ok: true, data: out as FactOf<T>['data'], json };
}

/** `JSON.stringify(value)`, or undefined when it has no JSON text (undefined) or cannot be written (a cycle, a bigint). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

const NOT_COPIED = Symbol('not copied');

/** `copyPlain(value)`, or NOT_COPIED when it throws (a getter that throws, a cycle under an `unknown`: left to zod). */
function copyOrNot(value: unknown): unknown {
  try {
    return copyPlain(value);
  } catch {
    return NOT_COPIED;
  }
}

/** What the codec knows of one fact type: its schema, its canonical check (see decode) and its current version. */
interface FactEntry {
  readonly schema: z.ZodType;
  readonly canonical: CanonicalCheck;
  readonly current: number;
}

/**
 * Builds a fact codec. The per-type schema and current version are looked up once per event in a
 * table built here (a Map: no prototype keys, one lookup for both), and an event stored at the
 * current version skips the upcasting loop; every event is still validated by its type's schema.
 *
 * On decode, data is first tested by its type's canonical check (`src/core/canonical-check.ts`, compiled
 * here once per type): when true, zod would accept it and return an equal copy, so the data is
 * returned as it is; otherwise zod parses it, returning its output or its issues. Encode always
 * parses (or trusts `validateFact`'s mark).
 * @param upcasters the upcaster table (default: the project's `UPCASTERS`).
 * @param versions the current version per type (default: `FACT_VERSIONS`; absent types: 1).
 */
export function createFactCodec(
  upcasters: UpcasterTable = UPCASTERS,
  versions: Record<string, number> = FACT_VERSIONS,
): EventCodec {
  const entries = new Map<string, FactEntry>(
    FACT_TYPES.map((t) => [t, { schema: FACT_SCHEMAS[t], canonical: compileCanonicalCheck(FACT_SCHEMAS[t]) ?? never, current: versions[t] ?? 1 }]),
  );
  const unknownType = (type: string): CodecResult => ({ ok: false, issues: [`type: unknown fact type '${type}'`] });
  const validate = (entry: FactEntry, data: unknown): CodecResult => {
    const parsed = entry.schema.safeParse(data);
    return parsed.success ? { ok: true, data: parsed.data, schemaVersion: entry.current } : { ok: false, issues: formatIssues(parsed.error) };
  };
  return {
    encode(type, data, schemaVersion) {
      const entry = entries.get(type);
      if (entry === undefined) return unknownType(type);
      if (schemaVersion !== undefined && schemaVersion !== entry.current) {
        return { ok: false, issues: [`metadata.schemaVersion: '${type}' is written at version ${entry.current}, got ${schemaVersion}`] };
      }
      // parsed by validateFact with this type's schema (the runtime's draft): not parsed twice
      if (typeof data === 'object' && data !== null) {
        const mark = validated.get(data);
        if (mark?.schema === entry.schema) {
          validated.delete(data); // used once: the text is not kept alive with the data (a later encode parses)
          return mark.json === undefined ? { ok: true, data, schemaVersion: entry.current } : { ok: true, data, schemaVersion: entry.current, dataJson: mark.json };
        }
      }
      return validate(entry, data);
    },
    decode(type, data, schemaVersion) {
      const entry = entries.get(type);
      if (entry === undefined) return unknownType(type);
      const { current } = entry;
      if (schemaVersion === current) return entry.canonical(data) ? { ok: true, data, schemaVersion: current } : validate(entry, data);
      if (schemaVersion > current) {
        return { ok: false, issues: [`metadata.schemaVersion: ${schemaVersion} is newer than this code's version ${current} of '${type}'`] };
      }
      let upcast = data;
      for (let v = schemaVersion; v < current; v++) {
        const step = upcasters[type as keyof UpcasterTable]?.[v];
        if (!step) return { ok: false, issues: [`metadata.schemaVersion: no upcaster for '${type}' from version ${v}`] };
        if (typeof upcast !== 'object' || upcast === null) return { ok: false, issues: ['data: not an object'] };
        upcast = step(upcast as Record<string, unknown>);
      }
      return entry.canonical(upcast) ? { ok: true, data: upcast, schemaVersion: current } : validate(entry, upcast);
    },
  };
}

/** The default fact codec (project upcasters and versions). */
export const factCodec: EventCodec = createFactCodec();
