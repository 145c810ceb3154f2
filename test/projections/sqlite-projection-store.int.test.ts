/**
 * The SQLite projection store on real files: alone, and sharing the SQLite event store's file
 * (its own connection, its own `projection_state` table), with a persisted projector restarted
 * across processes' worth of connections.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dagProjection } from '../../projections/dag.ts';
import { stepsProjection } from '../../projections/steps.ts';
import { startPersistedProjector } from '../../src/projections/persisted-projector.ts';
import { foldFacts } from '../../src/projections/projection.ts';
import { openSqliteProjectionStore } from '../../src/projections/sqlite-projection-store.ts';
import { openSqliteSnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache-sqlite.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { simulateHistory, toEventData } from '../../src/testing/fact-histories.ts';
import { appendBatches, readAllFacts } from './history-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { runProjectionStoreContract } from './projection-store-contract.ts';

const dirs: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-proj-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

runProjectionStoreContract('sqlite', async () => {
  const path = join(temp(), 'orchestral.db');
  return { open: () => openSqliteProjectionStore({ path }), dispose: async () => undefined };
});

describe('sqlite projection store', () => {
  it('round-trips rows (bigint positions, JSON state) in a standalone file, across reopen', async () => {
    const path = join(temp(), 'nested', 'projections.db');
    const first = openSqliteProjectionStore({ path });
    await first.save({ name: 'p', version: 3, position: 2n ** 60n, state: { a: [1, 'x'] } });
    await first.save({ name: 'p', version: 3, position: -1n, state: { b: true } });
    await first.close();
    await first.close();
    await expect(first.load('p')).rejects.toMatchObject({ code: 'PROJECTION_STORE' });
    const again = openSqliteProjectionStore({ path });
    expect(await again.load('p')).toEqual({ name: 'p', version: 3, position: -1n, state: { b: true } });
    expect(await again.load('other')).toBeUndefined();
    await again.delete('p');
    expect(await again.load('p')).toBeUndefined();
    await again.close();
  });

  it('refuses another application\'s database and files that are not SQLite, untouched', async () => {
    const dir = temp();
    const foreign = join(dir, 'app.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE users (id INTEGER)');
    db.close();
    expect(() => openSqliteProjectionStore({ path: foreign })).toThrow(/not an Orchestral file: .*without Orchestral's application_id \(tables: users,/);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is not a database at all, just some text'.repeat(20));
    expect(() => openSqliteProjectionStore({ path: text })).toThrow(/cannot open/);
  });

  it('reports an unreadable stored state', async () => {
    const path = join(temp(), 'p.db');
    const store = openSqliteProjectionStore({ path });
    await store.save({ name: 'p', version: 1, position: 0n, state: {} });
    const db = new Database(path);
    db.prepare("UPDATE projection_state SET state = '{oops' WHERE name = 'p'").run();
    db.close();
    await expect(store.load('p')).rejects.toThrow(/projection 'p': stored state JSON is unreadable/);
    await store.close();
  });

  it('shares the event store file: persisted steps + dag projectors resume after a restart and equal a rebuild', async () => {
    const path = join(temp(), 'orchestral.db');
    const { facts } = simulateHistory(42, 200);
    const half = Math.floor(facts.length / 2);
    /** Appends facts[from, to); returns the last position (SQLite positions are rowids, from 1). */
    const append = async (store: ReturnType<typeof getSqliteEventStore>, from: number, to: number): Promise<bigint> => {
      let position = -1n;
      for (const batch of appendBatches(facts.slice(from, to))) {
        const first = batch[0];
        if (!first) continue;
        ({ position } = await store.appendToStream(first.streamId, batch.map(toEventData), { expectedRevision: first.revision === 0n ? 'no_stream' : first.revision - 1n }));
      }
      return position;
    };
    let events = getSqliteEventStore({ codec: factCodec, path, durability: 'normal', pollIntervalMs: 20 });
    let rows = openSqliteProjectionStore({ path });
    const middle = await append(events, 0, half);
    const steps = await startPersistedProjector(stepsProjection, events, rows);
    const dag = await startPersistedProjector(dagProjection, events, rows, { saveEveryFacts: 50 });
    await Promise.all([steps.waitForPosition(middle), dag.waitForPosition(middle)]);
    await Promise.all([steps.stop(), dag.stop()]);
    await rows.close();
    await events.close();

    // restart: event store first (it must tolerate the projection table), then the projection store
    events = getSqliteEventStore({ codec: factCodec, path, durability: 'normal', pollIntervalMs: 20 });
    rows = openSqliteProjectionStore({ path });
    expect((await rows.load('steps'))?.position).toBe(middle);
    const last = await append(events, half, facts.length);
    const steps2 = await startPersistedProjector(stepsProjection, events, rows);
    const dag2 = await startPersistedProjector(dagProjection, events, rows);
    expect([steps2.start, dag2.start]).toEqual(['resumed', 'resumed']);
    const stored = await readAllFacts(events);
    expect(await steps2.waitForPosition(last)).toStrictEqual(foldFacts(stepsProjection, stored));
    expect(await dag2.waitForPosition(last)).toStrictEqual(foldFacts(dagProjection, stored));
    await Promise.all([steps2.stop(), dag2.stop()]);
    await rows.close();
    await events.close();
  });

  it('a file holding a row of the projection under its former name `tasks` opens; `steps` starts fresh from the first fact', async () => {
    const path = join(temp(), 'orchestral.db');
    const { facts } = simulateHistory(7, 60);
    const events = getSqliteEventStore({ codec: factCodec, path, durability: 'normal', pollIntervalMs: 20 });
    let last = -1n;
    for (const batch of appendBatches(facts)) {
      const first = batch[0];
      if (!first) continue;
      ({ position: last } = await events.appendToStream(first.streamId, batch.map(toEventData), { expectedRevision: first.revision === 0n ? 'no_stream' : first.revision - 1n }));
    }
    const rows = openSqliteProjectionStore({ path });
    await rows.save({ name: 'tasks', version: 3, position: last, state: { threads: {} } });
    const steps = await startPersistedProjector(stepsProjection, events, rows);
    expect(steps.start).toBe('fresh');
    const stored = await readAllFacts(events);
    expect(await steps.waitForPosition(last)).toStrictEqual(foldFacts(stepsProjection, stored));
    await steps.stop();
    expect((await rows.load('steps'))?.position).toBe(last);
    await rows.close();
    await events.close();
  });

  it('a fresh file created by the projection store first is then adopted by the event store, in either order with the snapshot cache', async () => {
    const path = join(temp(), 'fresh.db');
    const rows = openSqliteProjectionStore({ path });
    await rows.close();
    const store = getSqliteEventStore({ codec: factCodec, path });
    await store.close();
    const other = join(temp(), 'cache-first.db');
    await openSqliteSnapshotCache(other).close();
    const again = openSqliteProjectionStore({ path: other });
    await again.close();
    await getSqliteEventStore({ codec: factCodec, path: other }).close();
    const foreign = join(temp(), 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE users (id INTEGER)');
    db.close();
    expect(() => openSqliteProjectionStore({ path: foreign })).toThrow(/not an Orchestral file/);
  });
});
