/**
 * Opening SQLite store files that cannot be used: each gets a StoreOpenError with its reason and
 * the file's name, and the file's bytes are the same afterwards. Plus the files that can be
 * adopted or migrated. Bad files are made in temp directories.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteProjectionStore } from '../../src/projections/sqlite-projection-store.ts';
import { openSqliteSnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache-sqlite.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { isStoreOpenError, type StoreOpenError } from '../../src/store/errors.ts';
import { openSqliteDatabase, PAGE_CACHE_KIB } from '../../src/store/sqlite/open-database.ts';
import { ORCHESTRAL_APPLICATION_ID, SCHEMA_VERSION } from '../../src/store/sqlite/schema.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { rawEvents } from './contract/helpers.ts';
import { runFixtureSync, tempDir } from './fixtures/sqlite-helpers.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function dir(): string {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  return tmp.dir;
}

/** Opens `path`, expecting a StoreOpenError; returns it. */
function openError(path: string, busyTimeoutMs?: number): StoreOpenError {
  try {
    const store = getSqliteEventStore({ path, codec: rawCodec, busyTimeoutMs });
    void store.close();
  } catch (err) {
    if (isStoreOpenError(err)) return err;
    throw err;
  }
  throw new Error(`expected StoreOpenError opening ${path}`);
}

/** Asserts the open fails with `reason`, names the file, and leaves its bytes as they were. */
function expectRefused(path: string, reason: StoreOpenError['reason'], busyTimeoutMs?: number): StoreOpenError {
  const before = readFileSync(path);
  const err = openError(path, busyTimeoutMs);
  expect(err.reason).toBe(reason);
  expect(err.location).toBe(path);
  expect(err.message).toContain(path);
  expect(readFileSync(path).equals(before)).toBe(true);
  return err;
}

/** A closed store file with a few events. */
async function storeFile(path: string): Promise<void> {
  const store = getSqliteEventStore({ path, codec: rawCodec });
  for (let i = 0; i < 30; i++) await store.appendToStream(`s-${i % 3}`, rawEvents(20));
  await store.close();
}

describe('sqlite store: files that are refused', () => {
  it('a text file is not an Orchestral store', () => {
    const path = join(dir(), 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    expect(expectRefused(path, 'not_orchestral').message).toMatch(/not a SQLite database/);
  });

  it("another application's SQLite database (tables, no magic) is not an Orchestral store", () => {
    const path = join(dir(), 'app.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ada')`);
    db.close();
    expect(expectRefused(path, 'not_orchestral').message).toMatch(/customers/);
  });

  it('tables named like those of other Orchestral components, in a file nobody marked, are not an Orchestral store', async () => {
    const d = dir();
    const alone = join(d, 'alone.db');
    const adb = new Database(alone);
    adb.exec(`CREATE TABLE projection_state (name TEXT PRIMARY KEY)`);
    adb.close();
    expect(expectRefused(alone, 'not_orchestral').message).toMatch(/projection_state/);
    const mixed = join(d, 'mixed.db');
    const db = new Database(mixed);
    db.exec(`CREATE TABLE projection_state (name TEXT PRIMARY KEY); CREATE TABLE customers (id INTEGER PRIMARY KEY); INSERT INTO customers VALUES (1)`);
    db.close();
    expect(expectRefused(mixed, 'not_orchestral').message).toMatch(/projection_state, customers|customers, projection_state/);
    const view = join(d, 'view.db');
    const vdb = new Database(view);
    vdb.exec(`CREATE TABLE t (x); CREATE VIEW snapshot_cache AS SELECT x FROM t`);
    vdb.close();
    expect(expectRefused(view, 'not_orchestral').message).toMatch(/snapshot_cache/);
    const versioned = join(d, 'versioned.db');
    const wdb = new Database(versioned);
    wdb.exec(`CREATE TABLE projection_state (name TEXT PRIMARY KEY)`);
    wdb.pragma('user_version = 7');
    wdb.close();
    expect(expectRefused(versioned, 'not_orchestral').message).toMatch(/user_version 7/);
  });

  it('a SQLite database with a foreign application_id is not an Orchestral store', () => {
    const path = join(dir(), 'other.db');
    const db = new Database(path);
    db.pragma('application_id = 305419896');
    db.close();
    expect(expectRefused(path, 'not_orchestral').message).toMatch(/305419896/);
  });

  it('a store written by a newer schema version is refused', async () => {
    const path = join(dir(), 'newer.db');
    await storeFile(path);
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(expectRefused(path, 'newer_schema').message).toMatch(new RegExp(`version ${SCHEMA_VERSION + 1}`));
  });

  it('a store whose catalogue page is damaged is corrupt', async () => {
    const path = join(dir(), 'corrupt-schema.db');
    await storeFile(path);
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 100, 164); // b-tree header of page 1 (sqlite_schema)
    writeFileSync(path, bytes);
    expectRefused(path, 'corrupt');
  });

  it('a store whose log pages are damaged is corrupt', async () => {
    const path = join(dir(), 'corrupt-log.db');
    await storeFile(path);
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xa5, pageSize, pageSize + 64); // page 2: the events table's root
    writeFileSync(path, bytes);
    expectRefused(path, 'corrupt');
  });

  it('a store truncated after its header is corrupt', async () => {
    const path = join(dir(), 'truncated.db');
    await storeFile(path);
    writeFileSync(path, readFileSync(path).subarray(0, 5000));
    expectRefused(path, 'corrupt');
  });

  it('a store another connection keeps write-locked is locked (after the busy timeout)', async () => {
    const path = join(dir(), 'locked.db');
    await storeFile(path);
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    try {
      expect(expectRefused(path, 'locked', 50).message).toMatch(/locked/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('a path that is a directory cannot be opened', () => {
    const path = join(dir(), 'a-directory');
    mkdirSync(path);
    expect(openError(path).reason).toBe('io');
  });

  describe('read-only locations (in a child process, as an unprivileged user when run as root)', () => {
    const asUser = process.getuid?.() === 0 ? 65534 : undefined;
    const readOnlyDir = (): string => {
      const d = dir();
      chmodSync(d, 0o755);
      cleanups.push(() => chmodSync(d, 0o755)); // runs before the removal registered by dir()
      return d;
    };

    it('an existing store in a read-only directory is refused as read_only, unchanged', async () => {
      const d = readOnlyDir();
      const path = join(d, 'events.db');
      await storeFile(path);
      chmodSync(path, 0o444);
      chmodSync(d, 0o555);
      const before = readFileSync(path);
      const run = runFixtureSync('open-store.ts', [path], { asUser });
      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout) as { message: string };
      expect(result).toMatchObject({ ok: false, code: 'STORE_OPEN', reason: 'read_only', location: path });
      expect(result.message).toMatch(/not writable|cannot be written/);
      expect(readFileSync(path).equals(before)).toBe(true);
    });

    it('a new store under a read-only directory is refused as read_only', () => {
      const d = readOnlyDir();
      chmodSync(d, 0o555);
      const path = join(d, 'sub', 'events.db');
      const run = runFixtureSync('open-store.ts', [path], { asUser });
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, reason: 'read_only', location: path });
    });

    it('the same child opens a writable location (the test itself can pass)', () => {
      const d = readOnlyDir();
      chmodSync(d, 0o777); // writable for the child's user too
      const path = join(d, 'events.db');
      const run = runFixtureSync('open-store.ts', [path], { asUser });
      expect(JSON.parse(run.stdout)).toEqual({ ok: true });
    });
  });
});

describe('sqlite store: files that are adopted or migrated', () => {
  it('creates missing parent directories and initialises a new file', async () => {
    const path = join(dir(), 'a', 'b', 'events.db');
    const store = getSqliteEventStore({ path, codec: rawCodec });
    await store.appendToStream('x', rawEvents(1));
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(ORCHESTRAL_APPLICATION_ID);
    db.close();
  });

  it("a store's connection keeps a page cache of PAGE_CACHE_KIB (SQLite's default), not better-sqlite3's 16 MiB", () => {
    const db = openSqliteDatabase(join(dir(), 'events.db'));
    expect(db.pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
    db.close();
  });

  it('adopts an empty file and an empty SQLite database', async () => {
    const d = dir();
    const empty = join(d, 'empty.db');
    writeFileSync(empty, '');
    const blank = join(d, 'blank.db');
    const db = new Database(blank);
    db.exec('CREATE TABLE t (x); DROP TABLE t;');
    db.close();
    for (const path of [empty, blank]) {
      const store = getSqliteEventStore({ path, codec: rawCodec });
      expect((await store.appendToStream('x', rawEvents(2))).nextExpectedRevision).toBe(1n);
      await store.close();
    }
  });

  it('adopts a file where only the projection store and the snapshot cache wrote their tables first (they mark it), keeping their rows', async () => {
    const d = dir();
    const projectionsFirst = join(d, 'projections-first.db');
    const projections = openSqliteProjectionStore({ path: projectionsFirst });
    await projections.save({ name: 'threads', version: 1, position: -1n, state: { n: 1 } });
    await projections.close();
    const snapshotsFirst = join(d, 'snapshots-first.db');
    await openSqliteSnapshotCache(snapshotsFirst).close();
    const both = join(d, 'both.db');
    await openSqliteProjectionStore({ path: both }).close();
    await openSqliteSnapshotCache(both).close();
    for (const path of [projectionsFirst, snapshotsFirst, both]) {
      const store = getSqliteEventStore({ path, codec: rawCodec });
      expect((await store.appendToStream('x', rawEvents(2))).nextExpectedRevision, path).toBe(1n);
      await store.close();
      const check = new Database(path, { readonly: true });
      expect(check.pragma('application_id', { simple: true }), path).toBe(ORCHESTRAL_APPLICATION_ID);
      expect(check.pragma('user_version', { simple: true }), path).toBe(SCHEMA_VERSION);
      check.close();
    }
    const reopened = openSqliteProjectionStore({ path: projectionsFirst });
    expect(await reopened.load('threads')).toEqual({ name: 'threads', version: 1, position: -1n, state: { n: 1 } });
    await reopened.close();
  });

  it('migrates an Orchestral file at an older schema version, keeping other tables', async () => {
    const path = join(dir(), 'old.db');
    const db = new Database(path);
    db.pragma(`application_id = ${ORCHESTRAL_APPLICATION_ID}`);
    db.exec(`CREATE TABLE projection_threads (id TEXT PRIMARY KEY); INSERT INTO projection_threads VALUES ('t1')`);
    db.close(); // user_version 0: before the events table existed
    const store = getSqliteEventStore({ path, codec: rawCodec });
    await store.appendToStream('x', rawEvents(1));
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare('SELECT id FROM projection_threads').pluck().all()).toEqual(['t1']);
    expect(check.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    check.close();
  });
});
