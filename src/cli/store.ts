/**
 * Opening the event store a `--store URL` names, for one command. Only `run` creates a store that
 * does not exist yet; every other command needs one (it reads, or names an existing thread), so a
 * missing store is StoreOpenError `not_found` (exit 1) and nothing is created: no file, no
 * directory, no PostgreSQL schema. SQLite files are opened with the lock timeout of
 * `ORCHESTRAL_LOCK_TIMEOUT_MS` (default 5000 ms; a bad value is a usage error, exit 64): a store
 * another process keeps write-locked longer fails with StoreOpenError `locked` (exit 1).
 *
 * This is where the CLI composes a store: the store itself knows bytes and JSON only, and is given
 * the fact codec here.
 */
import { StoreOpenError, lazyFactCodec, openEventStore, parseStoreUrl } from '../base.ts';
import type { EventStore } from '../index.ts';
import { envLockTimeoutMs } from './env.ts';

/** The fact codec of every store the CLI opens: zod and the fact schemas load with the first fact read or written. */
const factCodec = lazyFactCodec();

/** Default lock timeout of SQLite stores, ms. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/** Options of `openCliStore` / `withStore`. */
export interface CliStoreOptions {
  /** Create the store when it does not exist (default false: only `run` passes true). */
  create?: boolean;
}

/**
 * Opens the store at `url` (see `parseStoreUrl` for the forms).
 * @throws StoreOpenError `bad_url` (exit 64); `not_found` (exit 1) when it does not exist and
 *   `create` is not set; the adapter's open errors (`locked`, `corrupt`, … exit 1).
 * @throws UsageError `ORCHESTRAL_LOCK_TIMEOUT_MS` is not a number of ms (exit 64).
 */
export async function openCliStore(url: string, options: CliStoreOptions = {}): Promise<EventStore> {
  const location = parseStoreUrl(url);
  const create = options.create ?? false;
  if (location.kind !== 'sqlite') return openEventStore(url, { codec: factCodec, create });
  const busyTimeoutMs = envLockTimeoutMs() ?? DEFAULT_LOCK_TIMEOUT_MS;
  try {
    return await openEventStore(url, { codec: factCodec, busyTimeoutMs, create });
  } catch (err) {
    if (err instanceof StoreOpenError) throw err;
    throw new StoreOpenError(location.path, 'io', (err as Error).message, { cause: err });
  }
}

/** Runs `fn` with the store open (see `openCliStore`) and closes it afterwards (also on error). */
export async function withStore<T>(url: string, fn: (store: EventStore) => Promise<T>, options: CliStoreOptions = {}): Promise<T> {
  const store = await openCliStore(url, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
