/**
 * Validation and (de)serialisation of projection rows, shared by every ProjectionStore adapter so
 * they accept and refuse the same things.
 */
import { ProjectionStoreError } from './projection-errors.ts';
import type { StoredProjection } from './projection-store.ts';

/** A row as adapters keep it: the state as JSON text. */
export interface ProjectionRow {
  name: string;
  version: number;
  position: bigint;
  stateJson: string;
}

/**
 * Checks a record and serialises its state.
 * @throws ProjectionStoreError empty name, version not an integer ≥ 1, position below -1, or a
 *   state that is not JSON-serialisable (bigint, cycle, `undefined`).
 */
export function toRow(location: string, record: StoredProjection): ProjectionRow {
  const bad = (detail: string): never => {
    throw new ProjectionStoreError(location, String(record.name), detail);
  };
  if (typeof record.name !== 'string' || record.name.length === 0) bad('name: must be a non-empty string');
  if (!Number.isInteger(record.version) || record.version < 1) bad(`version: must be an integer ≥ 1, got ${String(record.version)}`);
  if (typeof record.position !== 'bigint' || record.position < -1n) bad(`position: must be a bigint ≥ -1, got ${String(record.position)}`);
  let stateJson: string | undefined;
  try {
    stateJson = JSON.stringify(record.state);
  } catch (err) {
    bad(`state: is not JSON-serialisable (${(err as Error).message})`);
  }
  if (stateJson === undefined) bad('state: is not JSON-serialisable (undefined)');
  return { name: record.name, version: record.version, position: record.position, stateJson: stateJson as string };
}

/**
 * Parses a stored row back.
 * @throws ProjectionStoreError the state JSON is unreadable.
 */
export function fromRow(location: string, row: ProjectionRow): StoredProjection {
  try {
    return { name: row.name, version: row.version, position: row.position, state: JSON.parse(row.stateJson) as unknown };
  } catch (err) {
    throw new ProjectionStoreError(location, row.name, `stored state JSON is unreadable: ${(err as Error).message}`, { cause: err });
  }
}
