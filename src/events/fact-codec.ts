/**
 * The codec of Orchestral facts: validates payloads with the zod schema of their type on append,
 * and on read upcasts old schema versions then validates. Unknown types are refused both ways.
 */
import type { z } from 'zod';
import type { CodecResult, EventCodec } from '../store/codec.ts';
import { FACT_SCHEMAS, FACT_VERSIONS, isFactType } from './fact-types.ts';
import { UPCASTERS, type UpcasterTable } from './upcasters.ts';

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `data.${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
}

/**
 * Builds a fact codec.
 * @param upcasters the upcaster table (default: the project's `UPCASTERS`).
 * @param versions the current version per type (default: `FACT_VERSIONS`).
 */
export function createFactCodec(
  upcasters: UpcasterTable = UPCASTERS,
  versions: Record<string, number> = FACT_VERSIONS,
): EventCodec {
  const validate = (type: string, data: unknown, schemaVersion: number): CodecResult => {
    if (!isFactType(type)) return { ok: false, issues: [`type: unknown fact type '${type}'`] };
    const parsed = FACT_SCHEMAS[type].safeParse(data);
    return parsed.success ? { ok: true, data: parsed.data, schemaVersion } : { ok: false, issues: formatIssues(parsed.error) };
  };
  return {
    encode(type, data, schemaVersion) {
      const current = versions[type] ?? 1;
      if (schemaVersion !== undefined && schemaVersion !== current) {
        return { ok: false, issues: [`metadata.schemaVersion: '${type}' is written at version ${current}, got ${schemaVersion}`] };
      }
      return validate(type, data, current);
    },
    decode(type, data, schemaVersion) {
      if (!isFactType(type)) return { ok: false, issues: [`type: unknown fact type '${type}'`] };
      const current = versions[type] ?? 1;
      if (schemaVersion > current) {
        return { ok: false, issues: [`metadata.schemaVersion: ${schemaVersion} is newer than this code's version ${current} of '${type}'`] };
      }
      let upcast = data;
      for (let v = schemaVersion; v < current; v++) {
        const step = upcasters[type]?.[v];
        if (!step) return { ok: false, issues: [`metadata.schemaVersion: no upcaster for '${type}' from version ${v}`] };
        if (typeof upcast !== 'object' || upcast === null) return { ok: false, issues: ['data: not an object'] };
        upcast = step(upcast as Record<string, unknown>);
      }
      return validate(type, upcast, current);
    },
  };
}

/** The default fact codec (project upcasters and versions). */
export const factCodec: EventCodec = createFactCodec();
