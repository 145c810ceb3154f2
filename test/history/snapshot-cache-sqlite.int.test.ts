import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteSnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache-sqlite.ts';
import { machineDefinitionHash, serializeThreadState } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { knownAccumulatorV2 } from '../../src/history/fold/state-hash.ts';
import { applyFacts, defaultMachines, hashThreadState, initialThreadState } from '../../src/history/fold/thread-state.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { replayThread } from '../../src/history/replay.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { appendHistoryFixture, loadHistoryFixture } from '../support/history-fixture.ts';

const history = loadHistoryFixture('basic-thread');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('SQLite snapshot cache', () => {
  it('persists across reopen in table snapshot_cache, keeps the newest entries, ignores other machine code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-snap-'));
    dirs.push(dir);
    const file = join(dir, 'store.db');
    const cache = openSqliteSnapshotCache(file, { keepPerThread: 2 });
    for (const n of [5, 10, 20]) await cache.save(applyFacts(initialThreadState(history.threadId), history.facts.slice(0, n + 1)));
    await cache.close();
    const again = openSqliteSnapshotCache(file);
    const loaded = await again.load(history.threadId);
    const fold = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, 21));
    expect(JSON.stringify(serializeThreadState(loaded!))).toBe(JSON.stringify(serializeThreadState(fold)));
    expect((await again.load(history.threadId, { maxRevision: 12n }))?.revision).toBe(10n);
    expect(await again.load(history.threadId, { maxRevision: 7n })).toBeUndefined(); // pruned (keepPerThread 2)
    const changed = { ...defaultMachines, step: defaultMachines.step.provide({ actions: { recordCancel: () => {} } }) };
    expect(await again.load(history.threadId, { machines: changed })).toBeUndefined();
    await again.delete(history.threadId);
    expect(await again.load(history.threadId)).toBeUndefined();
    await again.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'snapshot_cache' }]);
    db.close();
  });

  it('reads back an entry holding text of several UTF-8 bytes per character (segment lengths and checksums are in bytes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-snap-'));
    dirs.push(dir);
    const cache = openSqliteSnapshotCache(join(dir, 'store.db'));
    const facts = history.facts.map((f) => (f.type === 'InputReceived' || f.type === 'InteractionStarted' ? ({ ...f, data: { ...f.data, text: `é🌍 ${f.data.text}` } } as typeof f) : f));
    const fold = applyFacts(initialThreadState(history.threadId), facts);
    expect(JSON.stringify(serializeThreadState(fold))).toContain('é🌍');
    await cache.save(fold);
    const loaded = await cache.load(history.threadId);
    expect(JSON.stringify(serializeThreadState(loaded!))).toBe(JSON.stringify(serializeThreadState(fold)));
    await cache.close();
  });

  it('treats rows of an older entry format as misses: skipped for an older row of the current format, else undefined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-snap-'));
    dirs.push(dir);
    const file = join(dir, 'store.db');
    const cache = openSqliteSnapshotCache(file);
    const at = (n: number) => applyFacts(initialThreadState(history.threadId), history.facts.slice(0, n + 1));
    await cache.save(at(5));
    const db = new Database(file);
    const oldRow = db.prepare('INSERT INTO snapshot_cache (thread_id, revision, machine_hash, state) VALUES (?, ?, ?, ?)');
    oldRow.run(history.threadId, 10, machineDefinitionHash(), JSON.stringify(serializeThreadState(at(10)))); // format 1 (no `format`)
    oldRow.run(history.threadId, 12, machineDefinitionHash(), `{"format":4,"actorRefs":false,"check":1}\n{}\n`); // format 4, written before format 5
    oldRow.run('other', 3, machineDefinitionHash(), JSON.stringify(serializeThreadState({ ...at(3), threadId: 'other' })));
    db.close();
    expect((await cache.load(history.threadId))?.revision).toBe(5n);
    expect(await cache.load('other')).toBeUndefined();
    await cache.close();
  });

  it('keeps a hashed state\'s hash accumulator; a row whose accumulator digit was changed is skipped, and a verified replay through the cache still matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-snap-'));
    dirs.push(dir);
    const file = join(dir, 'store.db');
    const cache = openSqliteSnapshotCache(file);
    const hashed = (n: number) => {
      const s = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, n + 1));
      hashThreadState(s);
      return s;
    };
    const at5 = hashed(5);
    const at20 = hashed(20);
    await cache.save(at5);
    await cache.save(at20);
    const loaded = (await cache.load(history.threadId))!;
    expect(loaded.revision).toBe(20n);
    expect(knownAccumulatorV2(loaded)).toEqual(knownAccumulatorV2(at20));
    const db = new Database(file);
    const row = db.prepare('SELECT state FROM snapshot_cache WHERE revision = 20').get() as { state: string };
    const acc = /"hashAccV2":"([0-9a-f]{32})"/.exec(row.state)![1]!;
    const wrong = (acc[0] === '0' ? '1' : '0') + acc.slice(1);
    db.prepare('UPDATE snapshot_cache SET state = ? WHERE revision = 20').run(row.state.replace(acc, wrong));
    db.close();
    expect((await cache.load(history.threadId))?.revision).toBe(5n); // the changed row is a miss
    const store = getInMemoryEventStore({ codec: factCodec });
    await appendHistoryFixture(store, history);
    const replayed = await replayThread(store, history.threadId, { snapshotCache: cache, verify: true });
    expect(hashThreadState(replayed)).toBe(hashThreadState(applyFacts(initialThreadState(history.threadId), history.facts)));
    await cache.close();
  });
});

