/**
 * Opening an Orchestral SQLite file: checks before anything is written, then WAL, durability and
 * migrations. Every failure is a StoreOpenError naming the file; a file that is not ours (or is
 * newer, corrupt, locked, read-only) is never modified — the checks run on a read-only connection
 * before the read-write one is opened.
 */
import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreOpenError } from '../errors.ts';
import { classifyDatabase, migrate, SCHEMA_VERSION, type FileKind } from './schema.ts';

/**
 * How commits reach the disk.
 * - `sync` (default, safe): `PRAGMA synchronous = FULL` — in WAL mode SQLite fsyncs the WAL at
 *   every commit, so an acknowledged append survives a power loss or an OS crash.
 * - `normal`: `PRAGMA synchronous = NORMAL` — the WAL is fsynced only at checkpoints. Still never
 *   corrupts the file and survives the process being killed, but the last commits before a power
 *   loss or OS crash may be lost. Faster when each append is its own commit.
 * See https://www.sqlite.org/pragma.html#pragma_synchronous and https://www.sqlite.org/wal.html.
 */
export type Durability = 'sync' | 'normal';

/** Options of `openSqliteDatabase`. */
export interface OpenDatabaseOptions {
  durability?: Durability;
  /** How long (ms) to wait for another connection's lock before failing with `locked`. Default 5000. */
  busyTimeoutMs?: number;
  /** Create the file (and its directories) when missing (default true); false: `not_found` instead, nothing created. */
  create?: boolean;
}

/**
 * The pragmas of every read-write connection, in order: WAL journal, the durability's
 * `synchronous` level, in-memory temp storage (the statement/savepoint sub-journals of group
 * commit stay off the disk; a flush is bounded, so this stays small), and a page cache of at most
 * `PAGE_CACHE_KIB`.
 */
export function connectionPragmas(durability: Durability): string[] {
  return ['journal_mode = WAL', `synchronous = ${durability === 'sync' ? 'FULL' : 'NORMAL'}`, 'temp_store = MEMORY', `cache_size = -${PAGE_CACHE_KIB}`];
}

/**
 * The connection's private page cache, KiB: SQLite's own default (2 MiB), not better-sqlite3's
 * 16 MiB. The store's reads are by stream (a thread's rows, then another's), so past the index's
 * inner pages a larger cache mostly holds pages read once, while the OS page cache keeps the file
 * anyway; measured on bench/threads (10 000 threads rehydrated, a 140 MB file): the same
 * rehydration CPU rate, 11–14 MB less peak RSS per process.
 */
export const PAGE_CACHE_KIB = 2000;

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Opens (creating it with mode 0600, and its missing parent directories with mode 0700) the Orchestral store file at `path`,
 * in WAL mode with the requested durability, migrated to the current schema.
 * @returns the read-write better-sqlite3 connection.
 * @throws StoreOpenError with `reason`:
 *   `not_orchestral` (not SQLite, or another application's database), `newer_schema` (written by a
 *   newer Orchestral), `read_only` (file or directory not writable), `corrupt` (malformed database),
 *   `locked` (another connection holds an exclusive lock past `busyTimeoutMs`), `not_found` (`create:
 *   false` and the file is missing or empty; nothing created), `io` (anything else,
 *   e.g. the path is a directory). `location` is the absolute path.
 * @throws RangeError `durability` is neither 'sync' nor 'normal'.
 */
export function openSqliteDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  const file = resolve(path);
  const timeout = options.busyTimeoutMs ?? 5000;
  const durability = options.durability ?? 'sync';
  if (durability !== 'sync' && durability !== 'normal') {
    throw new RangeError(`sqlite store '${file}': durability must be 'sync' or 'normal', got ${String(durability)}`);
  }
  const create = options.create ?? true;
  const size = inspectPath(file, create);
  if (!create && size <= 0) throw new StoreOpenError(file, 'not_found', `no such store: the file ${size < 0 ? 'does not exist' : 'is empty'} (nothing was created)`);
  if (size > 0) checkKind(file, withReadOnly(file, timeout, classifyDatabase));
  checkWritable(file, size >= 0);
  if (size < 0) createPrivateFile(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout });
    for (const pragma of connectionPragmas(durability)) db.pragma(pragma);
    checkKind(file, migrate(db));
    probeEvents(db);
    return db;
  } catch (err) {
    db?.close();
    throw toOpenError(file, err);
  }
}

/**
 * Reads the newest event and checks the events table is there, so a file whose log pages are
 * damaged fails at open (`corrupt`) rather than at the first read. Not a full integrity check
 * (that is O(file size); run `PRAGMA integrity_check` for that).
 */
function probeEvents(db: Database.Database): void {
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'events'`).get();
  if (hasTable === undefined) throw Object.assign(new Error('the events table is missing'), { code: 'SQLITE_CORRUPT' });
  db.prepare('SELECT position, stream_id, revision FROM events ORDER BY position DESC LIMIT 1').get();
}

/**
 * Creates the store file, empty, with mode 0600 (owner only) before SQLite opens it: SQLite gives
 * the -wal and -shm files it creates the database file's permissions, so they are 0600 too. The
 * umask may only remove bits. A file created meanwhile by another process is left as it is.
 */
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(file, err, 'cannot create the file');
  }
}

/**
 * With `create`, creates the parent directories (mode 0700) when missing; returns the file's size
 * in bytes, or -1 when it does not exist.
 */
function inspectPath(file: string, create: boolean): number {
  try {
    if (create) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw fsError(file, err, `cannot create directory ${dirname(file)}`);
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new StoreOpenError(file, 'io', 'the path exists and is not a regular file');
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw fsError(file, err, 'cannot stat the file');
  }
  if (size > 0) {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      readSync(fd, head, 0, head.length, 0);
    } catch (err) {
      throw fsError(file, err, 'cannot read the file');
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (!head.equals(SQLITE_HEADER)) {
      throw new StoreOpenError(file, 'not_orchestral', 'the file is not a SQLite database (no SQLite header); left untouched');
    }
  }
  return size;
}

/** Runs `fn` on a read-only connection (never writes the file), mapping SQLite errors. */
function withReadOnly<T>(file: string, timeout: number, fn: (db: Database.Database) => T): T {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout });
    return fn(db);
  } catch (err) {
    throw toOpenError(file, err);
  } finally {
    db?.close();
  }
}

function checkKind(file: string, found: FileKind): void {
  if (found.kind === 'foreign') {
    throw new StoreOpenError(file, 'not_orchestral', `not an Orchestral store: ${found.detail}; left untouched`);
  }
  if (found.kind === 'orchestral' && found.version > SCHEMA_VERSION) {
    throw new StoreOpenError(
      file,
      'newer_schema',
      `schema version ${found.version} is newer than this Orchestral's ${SCHEMA_VERSION}; upgrade Orchestral to open it`,
    );
  }
}

/** The store writes the file, its -wal and -shm companions: the file and its directory must be writable. */
function checkWritable(file: string, exists: boolean): void {
  const dir = dirname(file);
  for (const [target, what] of exists ? [[file, 'file'], [dir, 'directory']] : [[dir, 'directory']]) {
    try {
      accessSync(target as string, constants.W_OK);
    } catch (err) {
      throw fsError(file, err, `the ${what as string} ${target as string} is not writable`);
    }
  }
}

function fsError(file: string, err: unknown, what: string): StoreOpenError {
  if (err instanceof StoreOpenError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'read_only' : 'io';
  return new StoreOpenError(file, reason, `${what} (${code ?? String(err)})`, { cause: err });
}

/** Maps a better-sqlite3 error (its `code` is SQLite's extended result code name) to a StoreOpenError. */
export function toOpenError(file: string, err: unknown): StoreOpenError {
  if (err instanceof StoreOpenError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const message = (err as Error).message ?? String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreOpenError(file, 'locked', `the database is locked by another connection (${message})`, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreOpenError(file, 'corrupt', `the database is corrupt (${message}); left untouched`, { cause: err });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new StoreOpenError(file, 'read_only', `the database cannot be written (${message})`, { cause: err });
  }
  return new StoreOpenError(file, 'io', `${code || 'error'}: ${message}`, { cause: err });
}
