/**
 * Store URLs: the accepted forms and their parsing (no adapter is imported here; opening one is
 * `openEventStore`'s job):
 * - `memory:` — the in-memory store (ephemeral: gone when the process exits);
 * - `sqlite:PATH` — the embedded SQLite store at PATH, relative to the working directory unless
 *   absolute (`sqlite:///abs/path` is also accepted); `sqlite:` alone means `.orchestral/events.db`;
 * - `postgres://user:pass@host:port/db[?schema=name]` (or `postgresql://`) — the PostgreSQL store;
 * - `esdb://host:2113?tls=false` / `kurrentdb://…` (also `+discover`) — an EventStoreDB / KurrentDB server.
 */
import { isAbsolute, resolve } from 'node:path';
import { StoreOpenError } from './errors.ts';

/** The default store: the SQLite file `.orchestral/events.db` under the working directory. */
export const DEFAULT_STORE_URL = 'sqlite:.orchestral/events.db';

/** Where `sqlite:` with no path puts the file, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = '.orchestral/events.db';

/** A parsed store URL. `path` is absolute. */
export type StoreLocation =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'esdb'; url: string };

const ACCEPTED =
  "accepted forms: 'memory:', 'sqlite:PATH' (relative to the working directory, or absolute), " +
  `'sqlite:' (= ${DEFAULT_STORE_URL}), 'postgres://user:pass@host:port/db[?schema=name]', 'esdb://host:2113?tls=false' or 'kurrentdb://…'`;

/**
 * Parses a store URL (see the module docstring for the forms).
 * @param cwd directory relative SQLite paths are resolved against (default `process.cwd()`).
 * @throws StoreOpenError reason `bad_url`, naming the URL and listing the accepted forms.
 */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const bad = (why: string): never => {
    throw new StoreOpenError(String(url), 'bad_url', `${why}; ${ACCEPTED}`);
  };
  if (typeof url !== 'string' || url.trim() === '') return bad('the store URL is empty');
  if (url !== url.trim()) return bad('the store URL has leading or trailing spaces');
  if (url === 'memory:') return { kind: 'memory' };
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) {
      // URL form: only sqlite:///absolute/path (an empty host) is meaningful.
      if (!path.startsWith('///')) return bad(`'${url}' names a host; use sqlite:PATH or sqlite:///absolute/path`);
      path = path.slice(2);
    }
    if (path === '') path = DEFAULT_SQLITE_PATH;
    if (path.includes('\0')) return bad('the SQLite path contains a NUL character');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (/^postgres(ql)?:\/\/./.test(url)) return { kind: 'postgres', url };
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\/./.test(url)) return { kind: 'esdb', url };
  return bad(`'${url}' is not a store URL`);
}
