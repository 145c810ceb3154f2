/**
 * Opening the event store a `--store URL` names, for one command. SQLite files are opened with the
 * lock timeout of `ORCHESTRAL_LOCK_TIMEOUT_MS` (default 5000 ms): a store another process keeps
 * write-locked longer fails with StoreOpenError `locked` (exit 1).
 */
import { StoreOpenError } from '../store/errors.ts';
import type { EventStore } from '../store/event-store.ts';
import { openEventStore, parseStoreUrl } from '../store/open-event-store.ts';
import { getSqliteEventStore } from '../store/sqlite/sqlite-event-store.ts';
import { UsageError } from './cli-errors.ts';

/** Default lock timeout of SQLite stores, ms. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

function lockTimeoutMs(): number {
  const raw = process.env['ORCHESTRAL_LOCK_TIMEOUT_MS'];
  if (raw === undefined || raw === '') return DEFAULT_LOCK_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`ORCHESTRAL_LOCK_TIMEOUT_MS: expected a number of ms, got '${raw}'`);
  return n;
}

/**
 * Opens the store at `url` (see `parseStoreUrl` for the forms).
 * @throws StoreOpenError `bad_url` (exit 64) or the adapter's open errors (`locked`, `corrupt`, … exit 1).
 */
export async function openCliStore(url: string): Promise<EventStore> {
  const location = parseStoreUrl(url);
  if (location.kind !== 'sqlite') return openEventStore(url);
  try {
    return getSqliteEventStore({ path: location.path, busyTimeoutMs: lockTimeoutMs() });
  } catch (err) {
    if (err instanceof StoreOpenError) throw err;
    throw new StoreOpenError(location.path, 'io', (err as Error).message, { cause: err });
  }
}

/** Runs `fn` with the store open and closes it afterwards (also on error). */
export async function withStore<T>(url: string, fn: (store: EventStore) => Promise<T>): Promise<T> {
  const store = await openCliStore(url);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
