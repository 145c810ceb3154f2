/**
 * The codec of Orchestral facts: validates payloads with the zod schema of their type on append,
 * and on read upcasts old schema versions then validates. Unknown types are refused both ways.
 */
import type { z } from 'zod';
import type { CodecResult, EventCodec } from '../store/codec.ts';
import { FACT_SCHEMAS, FACT_TYPES, FACT_VERSIONS } from './fact-types.ts';
import { UPCASTERS, type UpcasterTable } from './upcasters.ts';

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `data.${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
}

/** What the codec knows of one fact type: its schema and its current version. */
interface FactEntry {
  readonly schema: z.ZodType;
  readonly current: number;
}

/**
 * Builds a fact codec. The per-type schema and current version are looked up once per event in a
 * table built here (a Map: no prototype keys, one lookup for both), and an event stored at the
 * current version skips the upcasting loop; every event is still validated by its type's schema.
 * @param upcasters the upcaster table (default: the project's `UPCASTERS`).
 * @param versions the current version per type (default: `FACT_VERSIONS`; absent types: 1).
 */
export function createFactCodec(
  upcasters: UpcasterTable = UPCASTERS,
  versions: Record<string, number> = FACT_VERSIONS,
): EventCodec {
  const entries = new Map<string, FactEntry>(FACT_TYPES.map((t) => [t, { schema: FACT_SCHEMAS[t], current: versions[t] ?? 1 }]));
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
      return validate(entry, data);
    },
    decode(type, data, schemaVersion) {
      const entry = entries.get(type);
      if (entry === undefined) return unknownType(type);
      const { current } = entry;
      if (schemaVersion === current) return validate(entry, data);
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
      return validate(entry, upcast);
    },
  };
}

/** The default fact codec (project upcasters and versions). */
export const factCodec: EventCodec = createFactCodec();
