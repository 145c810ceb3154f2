/**
 * In-memory leases: one table per process (or per `createMemoryLeaseTable()`), for the `memory:`
 * store, whose log lives in one process too. Expiry follows the injected clock.
 */
import { systemClock, type Clock } from '../core/clock.ts';
import { processIdentity } from './identity.ts';
import { isLiveHolder, leaseHolder, type AcquireResult, type HolderIdentity, type LeaseHolder, type LeaseRecord, type LeaseStore } from './lease.ts';

/** The shared state of memory lease stores: lease by thread id. */
export type MemoryLeaseTable = Map<string, LeaseHolder>;

/** A new, empty table (lease stores sharing it contend for the same threads). */
export function createMemoryLeaseTable(): MemoryLeaseTable {
  return new Map();
}

const processTable: MemoryLeaseTable = createMemoryLeaseTable();

/** Options of `getMemoryLeaseStore`. */
export interface MemoryLeaseOptions {
  /** Default: one table per process. */
  table?: MemoryLeaseTable;
  /** Default: the system clock. */
  clock?: Clock;
}

/** A lease store over a memory table (see `LeaseStore`). */
export function getMemoryLeaseStore(options: MemoryLeaseOptions = {}): LeaseStore {
  const table = options.table ?? processTable;
  const clock = options.clock ?? systemClock;
  const self = processIdentity();
  const held = new Map<string, string>(); // thread id → holder id, leases taken through this instance
  const live = (h: LeaseHolder | undefined): h is LeaseHolder => h !== undefined && isLiveHolder(h, clock.now(), self);
  return {
    async acquire(threadId: string, who: HolderIdentity, ttlMs: number): Promise<AcquireResult> {
      const now = clock.now();
      const current = table.get(threadId);
      if (live(current) && current.id !== who.id) return { acquired: false, holder: { ...current } };
      const holder = leaseHolder(who, current?.id === who.id && live(current) ? current.acquiredAtMs : now, now + ttlMs);
      table.set(threadId, holder);
      held.set(threadId, who.id);
      return { acquired: true, holder: { ...holder } };
    },
    async renew(threadId, holderId, ttlMs) {
      const current = table.get(threadId);
      if (!live(current) || current.id !== holderId) return undefined;
      current.expiresAtMs = clock.now() + ttlMs;
      return { ...current };
    },
    async release(threadId, holderId) {
      if (table.get(threadId)?.id === holderId) table.delete(threadId);
      if (held.get(threadId) === holderId) held.delete(threadId);
    },
    async holderOf(threadId) {
      const current = table.get(threadId);
      return live(current) ? { ...current } : undefined;
    },
    async list(): Promise<LeaseRecord[]> {
      return [...table].filter(([, h]) => live(h)).map(([threadId, h]) => ({ threadId, holder: { ...h } }));
    },
    async close() {
      for (const [threadId, holderId] of held) if (table.get(threadId)?.id === holderId) table.delete(threadId);
      held.clear();
    },
  };
}
