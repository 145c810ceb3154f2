/**
 * A lazy codec (`EventCodec.load`): the SQLite adapter loads it only when it first encodes or
 * decodes an event, so opening a store, reading it empty and closing it never loads it; once
 * loaded it validates like the codec it wraps.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyCodec, rawCodec, type EventCodec } from '../../src/store/codec.ts';
import { CodecNotLoadedError } from '../../src/store/errors.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { lazyFactCodec } from '../../src/facts/lazy-fact-codec.ts';
import { firstValueFrom, take, toArray } from 'rxjs';

const dir = mkdtempSync(join(tmpdir(), 'orchestral-lazy-codec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A lazy codec over `rawCodec` that counts its loads. */
const counted = (): { codec: EventCodec & { load(): Promise<void> }; loads: () => number } => {
  let loads = 0;
  const codec = lazyCodec(async () => {
    loads++;
    return rawCodec;
  });
  return { codec, loads: () => loads };
};

const event = (n: number) => ({ id: randomUUID(), type: 'Noted', data: { n } });

describe('lazyCodec', () => {
  it('throws CodecNotLoadedError before load() and delegates after it; the loader runs once', async () => {
    const { codec, loads } = counted();
    expect(() => codec.decode('Noted', {}, 1)).toThrow(CodecNotLoadedError);
    expect(() => codec.encode('Noted', {}, undefined)).toThrow(CodecNotLoadedError);
    await Promise.all([codec.load(), codec.load()]);
    await codec.load();
    expect(loads()).toBe(1);
    expect(codec.decode('Noted', { n: 1 }, 1)).toEqual({ ok: true, data: { n: 1 }, schemaVersion: 1 });
  });

  it('a failed load rejects and is retried by the next load()', async () => {
    let calls = 0;
    const codec = lazyCodec(async () => {
      if (++calls === 1) throw new Error('boom');
      return rawCodec;
    });
    await expect(codec.load()).rejects.toThrow('boom');
    await codec.load();
    expect(calls).toBe(2);
  });
});

describe('the SQLite adapter with a lazy codec', () => {
  it('opening, reading an empty log and closing never loads it', async () => {
    const { codec, loads } = counted();
    const store = getSqliteEventStore({ codec, path: join(dir, 'empty.db'), durability: 'normal' });
    const read: unknown[] = [];
    for await (const e of store.readAll()) read.push(e);
    expect(read).toEqual([]);
    expect(await store.streamRevision('s')).toBeUndefined();
    await store.close();
    expect(loads()).toBe(0);
  });

  it('loads it on the first append, then reads, subscribes and verifies with it', async () => {
    const path = join(dir, 'full.db');
    const writer = counted();
    const store = getSqliteEventStore({ codec: writer.codec, path, durability: 'normal' });
    await store.appendToStream('s', [event(1), event(2)]);
    expect(writer.loads()).toBe(1);
    await store.close();

    const reader = counted();
    const again = getSqliteEventStore({ codec: reader.codec, path, durability: 'normal' });
    const ns: unknown[] = [];
    for await (const e of again.readStream('s')) ns.push(e.data);
    expect(ns).toEqual([{ n: 1 }, { n: 2 }]);
    expect(reader.loads()).toBe(1);
    await again.close();

    const subscriber = counted();
    const third = getSqliteEventStore({ codec: subscriber.codec, path, durability: 'normal' });
    const live = await firstValueFrom(third.subscribeToAll().pipe(take(2), toArray()));
    expect(live.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    const damaged: unknown[] = [];
    for await (const d of third.verifyIntegrity()) damaged.push(d);
    expect(damaged).toEqual([]);
    expect(subscriber.loads()).toBe(1);
    await third.close();
  });

  it('openEventStore loads it before opening another adapter (memory:)', async () => {
    const { codec, loads } = counted();
    const store = await openEventStore('memory:', { codec });
    expect(loads()).toBe(1);
    await store.appendToStream('s', [event(1)]);
    await store.close();
  });

  it('lazyFactCodec validates facts like factCodec once loaded', async () => {
    const codec = lazyFactCodec();
    await codec.load();
    expect(codec.encode('ThreadOpened', { threadId: 't', policy: { kind: 'enqueue' }, maxIterations: 8 }, undefined).ok).toBe(true);
    expect(codec.encode('NoSuchFact', {}, undefined)).toEqual({ ok: false, issues: ["type: unknown fact type 'NoSuchFact'"] });
  });
});
