/** Choosing a store by URL: parsing, errors naming the URL, and opening each available adapter. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventTooLargeError, isEventValidationError, isStoreOpenError, type StoreOpenError } from '../../src/store/errors.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { DEFAULT_STORE_URL, openEventStore, parseStoreUrl } from '../../src/store/open-event-store.ts';
import { collect, rawEvent, rejection } from './contract/helpers.ts';
import { TimerSpyClock } from './fixtures/timer-spy-clock.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

function badUrl(fn: () => unknown): StoreOpenError {
  try {
    fn();
  } catch (err) {
    expect(isStoreOpenError(err)).toBe(true);
    expect((err as StoreOpenError).reason).toBe('bad_url');
    return err as StoreOpenError;
  }
  throw new Error('expected a StoreOpenError');
}

describe('parseStoreUrl', () => {
  it('parses memory:, sqlite:PATH (relative to cwd or absolute), sqlite: and sqlite:///abs', () => {
    expect(parseStoreUrl('memory:')).toEqual({ kind: 'memory' });
    expect(parseStoreUrl('sqlite:data/x.db', '/work/app')).toEqual({ kind: 'sqlite', path: '/work/app/data/x.db' });
    expect(parseStoreUrl('sqlite:../x.db', '/work/app')).toEqual({ kind: 'sqlite', path: '/work/x.db' });
    expect(parseStoreUrl('sqlite:/var/lib/o.db', '/work/app')).toEqual({ kind: 'sqlite', path: '/var/lib/o.db' });
    expect(parseStoreUrl('sqlite:///var/lib/o.db', '/work/app')).toEqual({ kind: 'sqlite', path: '/var/lib/o.db' });
    expect(parseStoreUrl('sqlite:', '/work/app')).toEqual({ kind: 'sqlite', path: '/work/app/.orchestral/events.db' });
    expect(parseStoreUrl(DEFAULT_STORE_URL, '/work/app')).toEqual(parseStoreUrl('sqlite:', '/work/app'));
    expect(parseStoreUrl('sqlite:x.db').kind).toBe('sqlite');
  });

  it('recognises postgres and esdb URLs', () => {
    expect(parseStoreUrl('postgres://u@127.0.0.1:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u@127.0.0.1:5432/db' });
    expect(parseStoreUrl('postgresql://127.0.0.1/db').kind).toBe('postgres');
    expect(parseStoreUrl('esdb://127.0.0.1:2113?tls=false')).toEqual({ kind: 'esdb', url: 'esdb://127.0.0.1:2113?tls=false' });
    expect(parseStoreUrl('kurrentdb://127.0.0.1:2113').kind).toBe('esdb');
  });

  it('refuses anything else with StoreOpenError bad_url naming the URL and listing the accepted forms', () => {
    for (const url of ['', '  ', 'memory', 'memory:x', 'mem:', 'sqlite', ' sqlite:x.db', 'sqlite://host/x.db', 'mysql://h/db', 'postgres://', './events.db']) {
      const err = badUrl(() => parseStoreUrl(url));
      expect(err.location).toBe(url);
      expect(err.message).toContain(`'${url}'`);
      expect(err.message).toContain("'memory:'");
      expect(err.message).toContain("'sqlite:PATH'");
    }
  });
});

describe('openEventStore', () => {
  const opened: EventStore[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('memory: opens an in-memory store with the given codec, clock and size limit', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 4, 1));
    const store = await openEventStore('memory:', { codec: rawCodec, clock, maxEventBytes: 100 });
    opened.push(store);
    await store.appendToStream('m', [rawEvent(1)]);
    const [e] = await collect(() => store.readStream('m'));
    expect(e?.metadata.recordedAt).toBe('2026-05-01T00:00:00.000Z');
    expect(isEventTooLargeError(await rejection(store.appendToStream('m', [rawEvent(2, { s: 'x'.repeat(100) })])))).toBe(true);
    const other = await openEventStore('memory:', { codec: factCodec });
    opened.push(other);
    expect(await other.streamRevision('m')).toBeUndefined();
  });

  it('memory: defaults to the fact codec', async () => {
    const store = await openEventStore('memory:', { codec: factCodec });
    opened.push(store);
    expect(isEventValidationError(await rejection(store.appendToStream('t', [rawEvent(1)])))).toBe(true);
  });

  it('sqlite:PATH opens the SQLite store at PATH under cwd; a second open sees the same data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestral-open-'));
    dirs.push(dir);
    const store = await openEventStore('sqlite:sub/events.db', { cwd: dir, codec: rawCodec, durability: 'normal' });
    opened.push(store);
    await store.appendToStream('s', [rawEvent(1)]);
    await store.close();
    const again = await openEventStore(`sqlite:${join(dir, 'sub/events.db')}`, { codec: rawCodec });
    opened.push(again);
    expect((await collect(() => again.readStream('s'))).map((e) => e.data)).toEqual([{ n: 1 }]);
  });

  it('sqlite: passes pollIntervalMs (ms) to the adapter: its subscriptions poll at that period; a bad one is refused before the file is made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestral-open-'));
    dirs.push(dir);
    const clock = new TimerSpyClock();
    const store = await openEventStore('sqlite:poll.db', { cwd: dir, codec: rawCodec, clock, pollIntervalMs: 37 });
    opened.push(store);
    const sub = store.subscribeToAll().subscribe();
    expect(clock.delays).toContain(37);
    expect(clock.delays).not.toContain(100); // the SQLite default
    sub.unsubscribe();
    for (const pollIntervalMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = await rejection(openEventStore('sqlite:bad/poll.db', { codec: factCodec, cwd: dir, pollIntervalMs }));
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toContain(`pollIntervalMs must be a finite number > 0, got ${pollIntervalMs}`);
    }
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it('refuses an unknown scheme (esdb:// and kurrentdb:// open the KurrentDB adapter: test/store/kurrentdb.int.test.ts)', async () => {
    expect(isStoreOpenError(await rejection(openEventStore('nope:', { codec: factCodec })))).toBe(true);
  });
});
