/**
 * The SQLite adapter reads positions and revisions as JS numbers when they fit in 2^53 and falls
 * back to bigints for the page otherwise: values above 2^53 must come back exact.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { getSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { collect, rawEvents } from './contract/helpers.ts';
import { tempDir } from './fixtures/sqlite-helpers.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BIG_POSITION = 2n ** 60n + 3n; // not representable as a double
const BIG_REVISION = 2n ** 55n + 1n;

/** A store holding 3 ordinary events on 's-1' plus one event inserted by hand at BIG_POSITION / BIG_REVISION on 's-big'. */
async function storeWithBigIntegers(): Promise<SqliteEventStore> {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const path = join(tmp.dir, 'events.db');
  const first = getSqliteEventStore({ codec: rawCodec, path, readPageSize: 2 });
  await first.appendToStream('s-1', rawEvents(3));
  await first.close();
  const db = new Database(path);
  db.prepare('INSERT INTO events (position, stream_id, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    BIG_POSITION, 's-big', BIG_REVISION, '00000000-0000-4000-8000-0000000000ff', 'Test', '{"n":99}', '{"schemaVersion":1}', '2026-01-01T00:00:00.000Z',
  );
  db.close();
  const store = getSqliteEventStore({ codec: rawCodec, path, readPageSize: 2 });
  cleanups.push(() => store.close());
  return store;
}

describe('sqlite: positions and revisions beyond 2^53', () => {
  it('readAll returns them exactly, and small ones as the same bigints as before', async () => {
    const store = await storeWithBigIntegers();
    const events = await collect(() => store.readAll());
    expect(events.map((e) => e.position)).toEqual([1n, 2n, 3n, BIG_POSITION]);
    expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n, BIG_REVISION]);
    expect(events.every((e) => typeof e.position === 'bigint' && typeof e.revision === 'bigint')).toBe(true);
  });

  it('readStream (both directions) and readAll from a big position', async () => {
    const store = await storeWithBigIntegers();
    const [big] = await collect(() => store.readStream('s-big'));
    expect([big?.revision, big?.position, big?.data]).toEqual([BIG_REVISION, BIG_POSITION, { n: 99 }]);
    const back = await collect(() => store.readStream('s-big', { direction: 'backwards' }));
    expect(back.map((e) => e.revision)).toEqual([BIG_REVISION]);
    expect(await collect(() => store.readAll({ fromPosition: BIG_POSITION - 1n }))).toHaveLength(1);
    expect(await collect(() => store.readAll({ fromPosition: BIG_POSITION }))).toHaveLength(0);
  });
});
