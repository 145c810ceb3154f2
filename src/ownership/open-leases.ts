/**
 * Choosing the lease store that goes with an event store URL: `memory:` → the process's memory
 * table, `sqlite:PATH` → `thread_leases` in the same file, `postgres://…` → advisory locks and
 * `thread_leases` in the same schema.
 */
import type { Clock } from '../core/clock.ts';
import { parseStoreUrl } from '../store/open-event-store.ts';
import type { LeaseStore } from './lease.ts';
import { getMemoryLeaseStore } from './memory-leases.ts';

/**
 * The lease store for the event store at `url` (open the event store first: the SQLite file must
 * exist); the SQLite and PostgreSQL adapters are imported only when their scheme is used. `readOnly`: for `holderOf` / `list` only (SQLite opens the file read-only, PostgreSQL creates nothing).
 * @throws StoreOpenError `bad_url` for an unparseable URL or a store kind without leases (esdb).
 */
export async function openLeaseStore(url: string, o: { clock?: Clock; busyTimeoutMs?: number; readOnly?: boolean } = {}): Promise<LeaseStore> {
  const location = parseStoreUrl(url);
  const clock = o.clock ? { clock: o.clock } : {};
  switch (location.kind) {
    case 'memory':
      return getMemoryLeaseStore(clock);
    case 'sqlite': {
      const { getSqliteLeaseStore } = await import('./sqlite-leases.ts');
      return getSqliteLeaseStore({
        path: location.path,
        ...clock,
        ...(o.busyTimeoutMs !== undefined ? { busyTimeoutMs: o.busyTimeoutMs } : {}),
        ...(o.readOnly ? { readOnly: true } : {}),
      });
    }
    case 'postgres': {
      const { getPostgresLeaseStore } = await import('./postgres-leases.ts');
      return getPostgresLeaseStore({ connectionString: location.url, ...clock, ...(o.readOnly ? { readOnly: true } : {}) });
    }
    case 'esdb':
      throw new Error(`leases: no lease store for '${url}' yet`);
  }
}
