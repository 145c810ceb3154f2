/**
 * The SQLite adapter on real temp files: the store contract and properties, plus what is specific
 * to it — group commit, paged reads, schema marks, close. File errors: sqlite-open.int.test.ts;
 * crash and other processes: sqlite-processes.int.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventIntegrityError, isStoreClosedError } from '../../src/store/errors.ts';
import { eventPages, NO_STREAM } from '../../src/store/event-store.ts';
import { ORCHESTRAL_APPLICATION_ID, SCHEMA_VERSION } from '../../src/store/sqlite/schema.ts';
import { getSqliteEventStore, type SqliteEventStore, type SqliteEventStoreOptions } from '../../src/store/sqlite/sqlite-event-store.ts';
import { runEventStoreContract } from './contract/index.ts';
import { runEventStoreProperties } from './contract/properties.ts';
import { collect, ids, rawEvent, rawEvents, rejection, until, watch } from './contract/helpers.ts';
import { retryAndDuplicateInOneCommit, wrongRevisionInOneCommit } from './fixtures/group-commit-cases.ts';
import { sqliteFactory, tempDir } from './fixtures/sqlite-helpers.ts';

runEventStoreContract('sqlite', sqliteFactory);
runEventStoreProperties('sqlite', sqliteFactory, { numRuns: 15 });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A raw-codec store on a new temp file; closed and removed after the test. */
function open(opts: Partial<Omit<SqliteEventStoreOptions, 'path'>> = {}): { store: SqliteEventStore; path: string } {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const path = join(tmp.dir, 'events.db');
  const store = getSqliteEventStore({ codec: rawCodec, ...opts, path });
  cleanups.push(() => store.close());
  return { store, path };
}

/** A read-only raw connection on `path` (sees only committed data). */
function rawReader(path: string): Database.Database {
  const db = new Database(path, { readonly: true });
  cleanups.push(() => void db.close());
  return db;
}

describe('sqlite store: group commit', () => {
  it('coalesces appends to several streams made in one turn into one transaction, in call order', async () => {
    const { store } = open();
    const before = store.stats().commits;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendToStream(`s-${i}`, rawEvents(3))));
    const stats = store.stats();
    expect(stats.commits - before).toBe(1);
    expect(stats.maxAppendsPerCommit).toBe(20);
    expect(stats.events).toBe(60);
    for (let i = 1; i < results.length; i++) expect(results[i]!.position).toBeGreaterThan(results[i - 1]!.position);
    expect(results.every((r) => r.nextExpectedRevision === 2n)).toBe(true);
  });

  it('coalesces writers that each await their previous append: one commit per round, not per append', async () => {
    const { store } = open();
    const before = store.stats().commits;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        let rev: bigint | undefined;
        for (let round = 0; round < 10; round++) {
          rev = (await store.appendToStream(`w-${w}`, rawEvents(1), { expectedRevision: rev ?? NO_STREAM })).nextExpectedRevision;
        }
      }),
    );
    expect(store.stats().commits - before).toBe(10);
    expect(store.stats().appends).toBe(80);
  });

  it('gives each awaited append of a lone writer its own commit', async () => {
    const { store } = open();
    const before = store.stats().commits;
    for (let i = 0; i < 5; i++) await store.appendToStream('solo', rawEvents(2));
    expect(store.stats().commits - before).toBe(5);
  });

  it('acknowledges an append only once its commit is visible to another connection', async () => {
    const { store, path } = open();
    await store.appendToStream('warm', rawEvents(1)); // creates the WAL so a reader can open
    const reader = rawReader(path);
    const count = reader.prepare('SELECT count(*) FROM events WHERE stream_id = ?').pluck();
    const seenAtAck = await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.appendToStream(`ack-${i}`, rawEvents(2)).then(() => count.get(`ack-${i}`))),
    );
    expect(seenAtAck).toEqual([2, 2, 2, 2, 2]);
  });

  it('fails only the append whose expected revision is wrong; the others of the commit are stored', async () => {
    await wrongRevisionInOneCommit(open().store);
  });

  it('recognises a retry and a duplicate id inside the same commit', async () => {
    await retryAndDuplicateInOneCommit(open().store);
  });

  it('rejects every caller of a commit that cannot be made, stores nothing of it, and recovers', async () => {
    const { store, path } = open({ busyTimeoutMs: 20 });
    await store.appendToStream('a', rawEvents(1));
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE'); // holds the write lock
    const outcomes = await Promise.allSettled([store.appendToStream('a', rawEvents(1)), store.appendToStream('b', rawEvents(1))]);
    blocker.exec('ROLLBACK');
    blocker.close();
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/locked|busy/i);
    expect(await store.streamRevision('b')).toBeUndefined();
    const r = await store.appendToStream('a', rawEvents(1), { expectedRevision: 0n });
    expect(r.nextExpectedRevision).toBe(1n);
  });

  it('stamps recordedAt from the injected clock', async () => {
    const clock = new SimulatedClock(Date.UTC(2030, 4, 6, 7, 8, 9));
    const { store } = open({ clock });
    await store.appendToStream('c', rawEvents(1));
    clock.increment(1500);
    await store.appendToStream('c', rawEvents(1));
    const events = await collect(() => store.readStream('c'));
    expect(events.map((e) => e.metadata.recordedAt)).toEqual(['2030-05-06T07:08:09.000Z', '2030-05-06T07:08:10.500Z']);
  });
});

describe('sqlite store: reads', () => {
  it('pages through a long stream with every option combination', async () => {
    const { store } = open({ readPageSize: 7 });
    for (let i = 0; i < 5; i++) await store.appendToStream('long', rawEvents(20, i * 20));
    await store.appendToStream('other', rawEvents(3));
    const revs = async (o: Parameters<SqliteEventStore['readStream']>[1]): Promise<number[]> =>
      (await collect(() => store.readStream('long', o))).map((e) => Number(e.revision));
    const range = (a: number, b: number, step = 1): number[] => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);
    expect(await revs({})).toEqual(range(0, 99));
    expect(await revs({ fromRevision: 13n, toRevision: 41n })).toEqual(range(13, 41));
    expect(await revs({ fromRevision: 13n, maxCount: 15 })).toEqual(range(13, 27));
    expect(await revs({ direction: 'backwards' })).toEqual(range(0, 99).reverse());
    expect(await revs({ direction: 'backwards', fromRevision: 50n, toRevision: 30n })).toEqual(range(30, 50).reverse());
    expect(await revs({ direction: 'backwards', maxCount: 8 })).toEqual(range(92, 99).reverse());
    expect(await revs({ fromRevision: 2n ** 70n })).toEqual([]);
    expect(await revs({ direction: 'backwards', fromRevision: 2n ** 70n, maxCount: 1 })).toEqual([99]);
    expect(await revs({ maxCount: 0 })).toEqual([]);
    const all = await collect(() => store.readAll());
    expect(all).toHaveLength(103);
    expect(ids(await collect(() => store.readAll({ fromPosition: all[49]!.position, maxCount: 30 })))).toEqual(ids(all.slice(50, 80)));
    expect(await collect(() => store.readAll({ fromPosition: 2n ** 70n }))).toEqual([]);
    expect(ids(await collect(() => store.readAll({ fromPosition: -(2n ** 70n), maxCount: 2 })))).toEqual(ids(all.slice(0, 2)));
    const far = watch(store.subscribeToStream('long', { fromRevision: 2n ** 70n }));
    const farAll = watch(store.subscribeToAll({ fromPosition: 2n ** 70n }));
    const near = watch(store.subscribeToStream('long', { fromRevision: 100n }));
    await store.appendToStream('long', rawEvents(1));
    await until(() => near.events.length === 1, 'the new event');
    near.stop();
    far.stop();
    farAll.stop();
    expect([far.events, far.error, farAll.events, farAll.error]).toEqual([[], undefined, [], undefined]);
  });

  it('pages a read by its page size (eventPages), verified and decoded as the event-by-event read', async () => {
    const { store } = open({ readPageSize: 3 });
    await store.appendToStream('s', rawEvents(8));
    const pages = await collect(() => eventPages(store.readStream('s', { fromRevision: 1n }))!);
    expect(pages.map((p) => p.map((e) => Number(e.revision)))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(pages.flat()).toEqual(await collect(() => store.readStream('s', { fromRevision: 1n })));
  });

  it('bounds a read by the log as it stood when iteration started', async () => {
    const { store } = open({ readPageSize: 2 });
    await store.appendToStream('s', rawEvents(5));
    const seen: bigint[] = [];
    for await (const e of store.readStream('s')) {
      seen.push(e.revision);
      if (e.revision === 0n) await store.appendToStream('s', rawEvents(3));
    }
    expect(seen).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  it('throws EventIntegrityError naming stream and revision for a stored row edited into bad JSON', async () => {
    const { store, path } = open();
    await store.appendToStream('bad', rawEvents(1));
    const writer = new Database(path);
    writer.prepare(`UPDATE events SET data = '{not json' WHERE stream_id = 'bad'`).run();
    writer.close();
    const err = await rejection(collect(() => store.readStream('bad')));
    expect(isEventIntegrityError(err)).toBe(true);
    expect(err).toMatchObject({ streamId: 'bad', revision: 0n, reason: 'checksum_mismatch' });
  });
});

describe('sqlite store: file and lifecycle', () => {
  it('marks the file with the application id and schema version, in WAL mode, and keeps foreign tables', async () => {
    const { store, path } = open();
    await store.appendToStream('a', rawEvents(1));
    await store.close();
    const db = new Database(path);
    db.exec('CREATE TABLE projection_demo (k TEXT PRIMARY KEY, v TEXT)');
    db.prepare(`INSERT INTO projection_demo VALUES ('x', 'y')`).run();
    expect(db.pragma('application_id', { simple: true })).toBe(ORCHESTRAL_APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const again = getSqliteEventStore({ path, codec: rawCodec });
    expect(await again.streamRevision('a')).toBe(0n);
    await again.close();
    const check = rawReader(path);
    expect(check.prepare('SELECT v FROM projection_demo').pluck().get()).toBe('y');
  });

  it('refuses bad options before touching the file', () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const path = join(tmp.dir, 'never', 'events.db');
    const bad: Array<[Partial<Omit<SqliteEventStoreOptions, 'path'>>, RegExp]> = [
      [{ maxEventBytes: 0 }, /maxEventBytes/],
      [{ maxEventBytes: 1.5 }, /maxEventBytes/],
      [{ readPageSize: 0 }, /readPageSize/],
      [{ pollIntervalMs: 0 }, /pollIntervalMs/],
      [{ pollIntervalMs: Number.POSITIVE_INFINITY }, /pollIntervalMs/],
      [{ durability: 'fast' as 'sync' }, /durability/],
    ];
    for (const [opts, message] of bad) {
      expect(() => getSqliteEventStore({ codec: rawCodec, ...opts, path })).toThrow(RangeError);
      expect(() => getSqliteEventStore({ codec: rawCodec, ...opts, path })).toThrow(message);
    }
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  });

  it('runs with durability normal too', async () => {
    const { store, path } = open({ durability: 'normal' });
    await store.appendToStream('n', rawEvents(2));
    expect(await store.streamRevision('n')).toBe(1n);
    expect(path).toBe(store.path);
  });

  it('commits queued appends on close, completes subscriptions, then refuses every call', async () => {
    const { store, path } = open();
    const w = watch(store.subscribeToAll());
    const pending = store.appendToStream('q', rawEvents(2));
    await store.close();
    await store.close(); // idempotent
    expect((await pending).nextExpectedRevision).toBe(1n);
    await until(() => w.completed, 'subscription completion');
    expect(isStoreClosedError(await rejection(store.appendToStream('q', rawEvents(1))))).toBe(true);
    expect(isStoreClosedError(await rejection(store.streamRevision('q')))).toBe(true);
    expect(isStoreClosedError(await rejection(collect(() => store.readStream('q'))))).toBe(true);
    expect(isStoreClosedError(await rejection(collect(() => store.readAll())))).toBe(true);
    const late = watch(store.subscribeToStream('q'));
    expect(isStoreClosedError(late.error)).toBe(true);
    const reopened = getSqliteEventStore({ path, codec: rawCodec });
    cleanups.push(() => reopened.close());
    expect(await reopened.streamRevision('q')).toBe(1n);
  });

  it('delivers a second instance\'s commits on the same file to live subscriptions', async () => {
    const { store, path } = open({ pollIntervalMs: 60_000 }); // no poll: the in-process registry must do it
    const w = watch(store.subscribeToStream('shared'));
    const other = getSqliteEventStore({ path, codec: rawCodec });
    cleanups.push(() => other.close());
    const batch = [rawEvent(1), rawEvent(2)];
    await other.appendToStream('shared', batch);
    await until(() => w.events.length === 2, 'events of the other instance');
    expect(ids(w.events)).toEqual(ids(batch));
  });
});
