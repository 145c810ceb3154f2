/**
 * Upcasters: pure functions turning a stored payload of version `v` into version `v + 1`.
 * Applied in sequence on read until the current version (see FACT_VERSIONS).
 */
import type { FactType } from './fact-types.ts';

/** `data` of version `from` → `data` of version `from + 1`. Must be pure and total on valid old payloads. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** Upcasters by fact type, then by the version they read. */
export type UpcasterTable = Partial<Record<FactType, Record<number, Upcaster>>>;

export const UPCASTERS: UpcasterTable = {
  StepFailed: {
    /**
     * v1 stored `error` as a plain message string and had no `retryAtMs`; v2 records
     * `{ message, code?, retryable? }` and the retry's due time. A v1 retry has no recorded due time,
     * so it is due at once (`retryAtMs: 0`); a final v1 failure gets `retryAtMs: null`.
     */
    1: (data) => ({
      ...data,
      error: typeof data.error === 'string' ? { message: data.error } : data.error,
      retryAtMs: data.retryAtMs ?? (data.retryInMs === null || data.retryInMs === undefined ? null : 0),
    }),
  },
};
