/**
 * Connection-level helpers of the PostgreSQL adapter: naming a server without its password,
 * quoting the store's schema, the type parsers every query uses, and turning driver errors met
 * while opening into `StoreOpenError`s that say what went wrong.
 */
import { userInfo } from 'node:os';
import pg from 'pg';
import { StoreOpenError } from '../errors.ts';

/** Default PostgreSQL schema (namespace) holding the store's tables. */
export const DEFAULT_SCHEMA = 'orchestral';

/**
 * A connection string without its password, for messages and `StoreOpenError.location`:
 * `postgresql://user:secret@host/db?password=x` → `postgresql://user@host/db`. A string that is
 * not a URL loses any `password=…` pair. Never throws.
 */
export function redactConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    url.searchParams.delete('password');
    return url.toString();
  } catch {
    return connectionString.replace(/password\s*=\s*('[^']*'|\S*)/gi, 'password=***');
  }
}

/**
 * The connection string with libpq's default user when it names none: node-postgres falls back to
 * `$PGUSER` / `$USER` only, which are often unset in services and containers, whereas libpq (psql)
 * uses the operating-system user name. An explicit user, `$PGUSER` or `$USER` wins.
 */
export function withDefaultUser(connectionString: string): string {
  if (process.env.PGUSER || process.env.USER || !URL.canParse(connectionString)) return connectionString;
  const url = new URL(connectionString);
  if (url.username !== '') return connectionString;
  try {
    url.username = userInfo().username; // the setter percent-encodes
  } catch {
    return connectionString; // no passwd entry for this uid: let the server say what it wants
  }
  return url.toString();
}

/**
 * Checks a schema name: 1 to 63 bytes of UTF-8 (PostgreSQL's NAMEDATALEN - 1), no NUL character,
 * not starting with `pg_` (reserved for system schemas).
 * @throws RangeError naming the schema and the rule it breaks.
 */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== 'string' || schema.length === 0) throw new RangeError(`postgres store: schema must be a non-empty string, got ${JSON.stringify(schema)}`);
  if (Buffer.byteLength(schema) > 63) throw new RangeError(`postgres store: schema '${schema}' is longer than 63 bytes`);
  if (schema.includes('\0')) throw new RangeError('postgres store: schema contains a NUL character');
  if (/^pg_/i.test(schema)) throw new RangeError(`postgres store: schema '${schema}' starts with 'pg_', which PostgreSQL reserves`);
  return schema;
}

/** Quotes an identifier for SQL text (`my"schema` → `"my""schema"`). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const INT8 = 20;
const JSON_OID = 114;
const JSONB_OID = 3802;

/**
 * Type parsers of every store query: `bigint` columns (positions, revisions, `max()`) as JS bigint
 * instead of pg's default string, and `json` columns as their exact stored text (the codec parses
 * them). Everything else keeps pg's defaults (`timestamptz` → Date).
 */
export const STORE_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (value: string) => BigInt(value);
    if (oid === JSON_OID || oid === JSONB_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** SQLSTATE classes and codes the adapter reacts to. */
export const SQLSTATE = {
  uniqueViolation: '23505',
  insufficientPrivilege: '42501',
  readOnlyTransaction: '25006',
  diskFull: '53100',
  ioError: '58030',
} as const;

/** The SQLSTATE (`code`) of a pg error, or undefined. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A readable message for any thrown value; AggregateError (IPv4 + IPv6 refusals) lists its parts. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return [...new Set(err.errors.map((e) => describeError(e)))].join('; ');
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const text = err.message || err.name;
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(err);
}

/**
 * Turns an error met while connecting or migrating into a StoreOpenError naming `location` (the
 * redacted URL): `read_only` for a missing privilege or a read-only server (hot standby), `io` for
 * everything else (server unreachable, authentication, missing database, timeouts). A
 * StoreOpenError is returned unchanged.
 */
export function toOpenError(location: string, schema: string, err: unknown): StoreOpenError {
  if (err instanceof StoreOpenError) return err;
  const state = sqlState(err);
  const detail = describeError(err);
  if (state === SQLSTATE.insufficientPrivilege) {
    return new StoreOpenError(location, 'read_only', `no privilege to create or use schema '${schema}': ${detail}`, { cause: err });
  }
  if (state === SQLSTATE.readOnlyTransaction) {
    return new StoreOpenError(location, 'read_only', `the server is read-only (a standby?): ${detail}`, { cause: err });
  }
  if (state === undefined && isNetworkError(err)) {
    return new StoreOpenError(location, 'io', `cannot reach the PostgreSQL server (is it running and listening there?): ${detail}`, { cause: err });
  }
  return new StoreOpenError(location, 'io', `opening schema '${schema}' failed: ${detail}`, { cause: err });
}

/** True for socket-level failures: refused, unknown host, timeouts, dropped connections. */
function isNetworkError(err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.some(isNetworkError);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return true;
  return err instanceof Error && /timeout|terminated|connect/i.test(err.message);
}
