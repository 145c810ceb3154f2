/**
 * PostgreSQL errors of a commit turned into the store's typed `StoreWriteError`, naming the server:
 * SQLSTATE 53100 (disk_full) → `disk full writing <location>`; 58030 (io_error) → `I/O error
 * writing <location>`; 25006 (read_only_sql_transaction: a hot standby, or
 * `default_transaction_read_only`) → `<location> became read-only`. Other errors are returned
 * unchanged. Codes: PostgreSQL manual, Appendix A "PostgreSQL Error Codes".
 */
import { StoreWriteError } from '../errors.ts';
import { SQLSTATE, sqlState } from './connection.ts';

/** The typed error for `err` (a pg `DatabaseError`, whose `code` is the SQLSTATE), or `err` itself. */
export function translatePgWriteError(err: unknown, location: string): unknown {
  const state = sqlState(err);
  if (state === undefined) return err;
  const options = { cause: err };
  const detail = err instanceof Error ? `: ${err.message}` : '';
  if (state === SQLSTATE.diskFull) return new StoreWriteError(location, 'disk_full', `disk full writing ${location} (SQLSTATE ${state})${detail}`, options);
  if (state === SQLSTATE.ioError) return new StoreWriteError(location, 'io', `I/O error writing ${location} (SQLSTATE ${state})${detail}`, options);
  if (state === SQLSTATE.readOnlyTransaction) return new StoreWriteError(location, 'read_only', `${location} became read-only (SQLSTATE ${state})${detail}`, options);
  return err;
}
