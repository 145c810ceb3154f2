/**
 * The SQLite adapter reads positions and revisions as JS numbers when they fit in 2^53 and falls
 * back to bigints for the page otherwise: values above 2^53 must come back exact (also in the
 * fields of an integrity error).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventIntegrityError } from '../../src/store/errors.ts';
import { eventChecksum } from '../../src/store/integrity.ts';
import { getSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { collect, rawEvents, rejection } from './contract/helpers.ts';
import { tempDir } from './fixtures/sqlite-helpers.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BIG_POSITION = 2n ** 60n + 3n; // not representable as a double
const BIG_REVISION = 2n ** 55n + 1n;
const AT = '2026-01-01T00:00:00.000Z';

/**
 * A store holding 3 ordinary events on 's-1', one event inserted by hand at BIG_POSITION on
 * 's-big' (revision 0, with its checksum), and one at BIG_POSITION + 1 / BIG_REVISION on 's-far'
 * (whose predecessors do not exist: every read of it is an integrity error naming its revision).
 */
async function storeWithBigIntegers(): Promise<SqliteEventStore> {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const path = join(tmp.dir, 'events.db');
  const first = getSqliteEventStore({ codec: rawCodec, path, readPageSize: 2 });
  await first.appendToStream('s-1', rawEvents(3));
  await first.close();
  const db = new Database(path);
  const insert = db.prepare('INSERT INTO events (position, stream_id, revision, id, type, data, metadata, recorded_at, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const row = (streamId: string, revision: bigint, id: string) => ({ streamId, revision, id, type: 'Test', dataJson: '{"n":99}', metadataJson: '{"schemaVersion":1}', recordedAt: AT });
  const big = row('s-big', 0n, '00000000-0000-4000-8000-0000000000ff');
  insert.run(BIG_POSITION, big.streamId, big.revision, big.id, big.type, big.dataJson, big.metadataJson, AT, eventChecksum(undefined, big));
  const far = row('s-far', BIG_REVISION, '00000000-0000-4000-8000-0000000000fe');
  insert.run(BIG_POSITION + 1n, far.streamId, far.revision, far.id, far.type, far.dataJson, far.metadataJson, AT, eventChecksum('0'.repeat(64), far));
  db.close();
  const store = getSqliteEventStore({ codec: rawCodec, path, readPageSize: 2 });
  cleanups.push(() => store.close());
  return store;
}

describe('sqlite: positions and revisions beyond 2^53', () => {
  it('readAll returns them exactly, and small ones as the same bigints as before', async () => {
    const store = await storeWithBigIntegers();
    const events = await collect(() => store.readAll({ maxCount: 4 }));
    expect(events.map((e) => e.position)).toEqual([1n, 2n, 3n, BIG_POSITION]);
    expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n, 0n]);
    expect(events.every((e) => typeof e.position === 'bigint' && typeof e.revision === 'bigint')).toBe(true);
    const err = await rejection(collect(() => store.readAll()));
    expect(isEventIntegrityError(err)).toBe(true);
    expect(err).toMatchObject({ streamId: 's-far', revision: BIG_REVISION, position: BIG_POSITION + 1n, reason: 'revision_gap' });
  });

  it('readStream (both directions) and readAll from a big position', async () => {
    const store = await storeWithBigIntegers();
    const [big] = await collect(() => store.readStream('s-big'));
    expect([big?.revision, big?.position, big?.data]).toEqual([0n, BIG_POSITION, { n: 99 }]);
    const back = await collect(() => store.readStream('s-big', { direction: 'backwards' }));
    expect(back.map((e) => e.position)).toEqual([BIG_POSITION]);
    expect(await collect(() => store.readAll({ fromPosition: BIG_POSITION - 1n, maxCount: 1 }))).toHaveLength(1);
    expect(await collect(() => store.readAll({ fromPosition: BIG_POSITION + 1n }))).toHaveLength(0);
    for (const direction of ['forwards', 'backwards'] as const) {
      const err = await rejection(collect(() => store.readStream('s-far', { direction })));
      expect(err).toMatchObject({ streamId: 's-far', revision: BIG_REVISION, position: BIG_POSITION + 1n, reason: 'revision_gap' });
    }
  });
});
