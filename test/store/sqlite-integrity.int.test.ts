/**
 * SQLite specifics of integrity: migrating a schema-v1 file (events without checksums) seals its
 * events; a damaged page is a StoreCorruptError naming the file; the store file, its -wal/-shm and
 * the directories it creates are private to the owner.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventIntegrityError, isStoreCorruptError } from '../../src/store/errors.ts';
import { MIGRATIONS, ORCHESTRAL_APPLICATION_ID, SCHEMA_VERSION } from '../../src/store/sqlite/schema.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { collect, rawEvents, rejection } from './contract/helpers.ts';
import { tempDir } from './fixtures/sqlite-helpers.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const newPath = (...parts: string[]): string => {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  return join(tmp.dir, ...parts);
};
const open = (path: string) => {
  const store = getSqliteEventStore({ path, codec: rawCodec });
  cleanups.push(() => store.close());
  return store;
};

describe('sqlite: schema v1 → v2 (checksums)', () => {
  it('gives every event stored before checksums existed its chained checksum; later damage is caught', async () => {
    const path = newPath('old.db');
    const db = new Database(path);
    MIGRATIONS.find((m) => m.version === 1)!.up(db);
    db.pragma(`application_id = ${ORCHESTRAL_APPLICATION_ID}`);
    db.pragma('user_version = 1');
    const insert = db.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const old = [...rawEvents(3), ...rawEvents(2, 10)];
    old.forEach((e, i) => insert.run(i < 3 ? 'a' : 'b', i < 3 ? i : i - 3, e.id, e.type, JSON.stringify(e.data), '{"schemaVersion":1}', '2026-01-01T00:00:00.000Z'));
    db.close();

    const store = open(path);
    expect((await collect(() => store.readAll())).map((e) => e.id)).toEqual(old.map((e) => e.id));
    expect(await collect(() => store.verifyIntegrity())).toEqual([]);
    await store.appendToStream('a', rawEvents(1, 3), { expectedRevision: 2n }); // chains onto a migrated event
    expect((await collect(() => store.readStream('a'))).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);

    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare('SELECT count(*) FROM events WHERE checksum IS NULL').pluck().get()).toBe(0);
    check.prepare(`UPDATE events SET data = '{"n":7}' WHERE stream_id = 'b' AND revision = 1`).run();
    check.close();
    const err = await rejection(collect(() => store.readStream('b')));
    expect(isEventIntegrityError(err)).toBe(true);
    expect(err).toMatchObject({ streamId: 'b', revision: 1n, reason: 'checksum_mismatch' });
  });
});

describe('sqlite: a damaged file', () => {
  it("turns 'database disk image is malformed' met while reading into StoreCorruptError naming the file", async () => {
    const path = newPath('events.db');
    const store = getSqliteEventStore({ path, codec: rawCodec });
    for (let k = 0; k < 10; k++) await store.appendToStream('big', rawEvents(40, k * 40).map((e) => ({ ...e, data: { ...(e.data as object), pad: 'x'.repeat(1000) } })));
    await store.close();
    const db = new Database(path);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaves = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
    db.close();
    expect(leaves.length).toBeGreaterThan(10);
    const victim = leaves[Math.floor(leaves.length / 2)]!;
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, Buffer.alloc(pageSize, 0xff), 0, pageSize, (victim - 1) * pageSize); // the page is garbage now
    } finally {
      closeSync(fd);
    }

    const damaged = open(path);
    for (const read of [() => collect(() => damaged.readAll()), () => collect(() => damaged.verifyIntegrity())]) {
      const err = await rejection(read());
      expect(isStoreCorruptError(err), String(err)).toBe(true);
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toMatch(/malformed|corrupt/i);
    }
  });
});

describe('sqlite: file permissions', () => {
  it('creates the store file, its -wal and -shm with mode 0600 and missing directories with 0700', async () => {
    const path = newPath('private', 'deeper', 'events.db');
    const store = open(path);
    await store.appendToStream('a', rawEvents(2));
    const mode = (p: string): number => statSync(p).mode & 0o777;
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    expect(mode(`${path}-shm`)).toBe(0o600);
    expect(mode(join(path, '..'))).toBe(0o700);
    expect(mode(join(path, '..', '..'))).toBe(0o700);
  });
});
