/**
 * The lease store of a CLI command's event store (`thread_leases` in the same SQLite file or
 * PostgreSQL schema, the process table for `memory:`), open for the duration of `fn`.
 */
import { openLeaseStore } from '../read.ts';
import type { LeaseStore } from '../index.ts';

/**
 * Runs `fn` with the leases of the store at `url` (open the event store first) and closes them
 * afterwards (leases still held are released).
 */
export async function withLeases<T>(url: string, fn: (leases: LeaseStore) => Promise<T>): Promise<T> {
  const leases = await openLeaseStore(url);
  try {
    return await fn(leases);
  } finally {
    await leases.close();
  }
}
