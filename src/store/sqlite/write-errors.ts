/**
 * SQLite errors of an append turned into the store's typed `StoreWriteError`, naming the file:
 * SQLITE_FULL → `disk full writing <file>`; SQLITE_IOERR* → `I/O error writing <file>`;
 * SQLITE_READONLY* → `<file> became read-only`. Other errors are returned unchanged.
 */
import { StoreWriteError } from '../errors.ts';

/** The typed error for `err` (a better-sqlite3 `SqliteError`, whose `code` is the SQLite code name), or `err` itself. */
export function translateWriteError(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err;
  const options = { cause: err };
  if (code === 'SQLITE_FULL') return new StoreWriteError(file, 'disk_full', `disk full writing ${file} (SQLITE_FULL)`, options);
  const detail = err instanceof Error ? `: ${err.message}` : '';
  if (code.startsWith('SQLITE_IOERR')) return new StoreWriteError(file, 'io', `I/O error writing ${file} (${code})${detail}`, options);
  if (code.startsWith('SQLITE_READONLY')) return new StoreWriteError(file, 'read_only', `${file} became read-only (${code})${detail}`, options);
  return err;
}
