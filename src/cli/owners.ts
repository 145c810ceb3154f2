/**
 * Reading who owns which thread, for `threads`, `show` and `workers`: the live leases of the
 * store (read-only; a store without a lease table has no owners).
 */
import type { LeaseHolder, LeaseRecord } from '../index.ts';
import { openLeaseStore } from '../read.ts';

/** Every live lease of the store at `url` (open the event store first). */
export async function readLeases(url: string): Promise<LeaseRecord[]> {
  const leases = await openLeaseStore(url, { readOnly: true });
  try {
    return await leases.list();
  } finally {
    await leases.close();
  }
}

/** The live owner of each owned thread, by thread id. */
export async function readOwners(url: string): Promise<Map<string, LeaseHolder>> {
  return new Map((await readLeases(url)).map((l) => [l.threadId, l.holder]));
}

/** A holder as JSON: `{ id, pid, host, bootId, since, expiresAt }` (ISO-8601 UTC times). */
export function holderJson(h: LeaseHolder): Record<string, unknown> {
  return { id: h.id, pid: h.pid, host: h.host, bootId: h.bootId, since: new Date(h.acquiredAtMs).toISOString(), expiresAt: new Date(h.expiresAtMs).toISOString() };
}
