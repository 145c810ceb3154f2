/**
 * Reads of the PostgreSQL adapter at small page sizes, event by event and a page at a time
 * (`PagedEvents`): every option combination over several pages, the log bounded at the start of
 * iteration, a damaged or undecodable row failing at the same event on both paths (a page never
 * holds events past it), and the fold reading a thread from the store's pages. The contract suite
 * (`postgres.int.test.ts`) checks the pages at the default page size; the property here compares
 * both paths on generated reads and damage (seeded by `FC_SEED`, printed in its name).
 * Local server: `ORCHESTRAL_TEST_PG_URL`, default postgresql://127.0.0.1:5432/test.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import { foldHistory } from '../../src/history/replay.ts';
import { threadStreamId } from '../../src/history/stream.ts';
import { rawCodec, type EventCodec } from '../../src/store/codec.ts';
import { eventPages, type EventStore, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent } from '../../src/store/event-store.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { eventChecksum } from '../../src/store/integrity.ts';
import { quoteIdent } from '../../src/store/postgres/connection.ts';
import { getPostgresEventStore, type PostgresEventStore, type PostgresEventStoreOptions } from '../../src/store/postgres/postgres-event-store.ts';
import { appendHistoryFixture, loadHistoryFixture } from '../support/history-fixture.ts';
import { collect, rawEvents, rejection } from './contract/helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from './fixtures/pg-helpers.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const admin = usePgAdmin(2);

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A raw-codec store on a fresh schema (dropped after the test), closed after the test. */
function open(opts: Partial<PostgresEventStoreOptions> = {}): PostgresEventStore {
  const schema = schemaName();
  cleanups.push(() => dropSchema(admin(), schema));
  const store = getPostgresEventStore({ codec: rawCodec, connectionString: PG_URL, poolSize: 3, ...opts, schema });
  cleanups.push(() => store.close());
  return store;
}

/** Runs `sql` on `store`'s events table (`%T` names it). */
async function exec(store: PostgresEventStore, sql: string): Promise<void> {
  await admin().query(sql.replaceAll('%T', `${quoteIdent(store.schema)}.events`));
}

/** What a read delivers before it ends: its events (flattened, for pages), its pages' sizes, and the error it ends with. */
interface Outcome {
  events: RecordedEvent[];
  pageSizes: number[];
  error: unknown;
}

/** Drains `read` event by event (`paged` false) or by its pages (true). */
async function drain(read: () => AsyncIterable<RecordedEvent>, paged: boolean): Promise<Outcome> {
  const out: Outcome = { events: [], pageSizes: [], error: undefined };
  try {
    if (!paged) for await (const e of read()) out.events.push(e);
    else {
      const pages = eventPages(read());
      if (pages === undefined) throw new Error('the read offers no pages');
      for await (const page of pages) {
        out.pageSizes.push(page.length);
        out.events.push(...page);
      }
    }
  } catch (err) {
    out.error = err;
  }
  return out;
}

const revisions = (events: readonly RecordedEvent[]): number[] => events.map((e) => Number(e.revision));
const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
const show = (o: object): string => JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

describe('postgres store: reads by page', () => {
  it('pages through a long stream and the log with every option combination: pages hold what the event-by-event read returns', async () => {
    const store = open({ readPageSize: 7 });
    for (let i = 0; i < 5; i++) await store.appendToStream('long', rawEvents(20, i * 20));
    await store.appendToStream('other', rawEvents(3));
    const cases: Array<[ReadStreamOptions, number[]]> = [
      [{}, range(0, 99)],
      [{ fromRevision: 13n, toRevision: 41n }, range(13, 41)],
      [{ fromRevision: 13n, maxCount: 15 }, range(13, 27)],
      [{ direction: 'backwards' }, range(0, 99).reverse()],
      [{ direction: 'backwards', fromRevision: 50n, toRevision: 30n }, range(30, 50).reverse()],
      [{ direction: 'backwards', maxCount: 8 }, range(92, 99).reverse()],
      [{ fromRevision: 2n ** 70n }, []],
      [{ direction: 'backwards', fromRevision: 2n ** 70n, maxCount: 1 }, [99]],
      [{ maxCount: 0 }, []],
      [{ fromRevision: 93n }, range(93, 99)],
    ];
    for (const [o, expected] of cases) {
      const events = await drain(() => store.readStream('long', o), false);
      const pages = await drain(() => store.readStream('long', o), true);
      expect([revisions(events.events), events.error], show(o)).toEqual([expected, undefined]);
      expect([pages.events, pages.error], show(o)).toEqual([events.events, undefined]);
      expect(pages.pageSizes.every((n) => n > 0 && n <= 7), show(o)).toBe(true);
    }
    const all = (await drain(() => store.readAll(), false)).events;
    expect(all).toHaveLength(103);
    const allCases: ReadAllOptions[] = [{}, { fromPosition: all[49]!.position, maxCount: 30 }, { fromPosition: 2n ** 70n }, { fromPosition: -(2n ** 70n), maxCount: 2 }, { maxCount: 0 }];
    for (const o of allCases) {
      const events = await drain(() => store.readAll(o), false);
      const pages = await drain(() => store.readAll(o), true);
      expect([pages.events, pages.error], show(o)).toEqual([events.events, undefined]);
      expect(pages.pageSizes.every((n) => n > 0 && n <= 7), show(o)).toBe(true);
    }
    expect((await drain(() => store.readAll({ fromPosition: all[49]!.position, maxCount: 30 }), true)).events).toEqual(all.slice(50, 80));
  });

  it('pages a read by its page size, each page verified and decoded as the event-by-event read; a missing stream fails on the first page', async () => {
    const store = open({ readPageSize: 3 });
    await store.appendToStream('s', rawEvents(8));
    const pages = await collect(() => eventPages(store.readStream('s', { fromRevision: 1n }))!);
    expect(pages.map(revisions)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(pages.flat()).toEqual(await collect(() => store.readStream('s', { fromRevision: 1n })));
    expect((await collect(() => eventPages(store.readStream('s', { direction: 'backwards', fromRevision: 6n }))!)).map(revisions)).toEqual([[6, 5, 4], [3, 2, 1], [0]]);
    expect((await collect(() => eventPages(store.readAll())!)).map(revisions)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
    expect(await rejection(collect(() => eventPages(store.readStream('missing'))!))).toMatchObject({ code: 'STREAM_NOT_FOUND', streamId: 'missing' });
  });

  it('bounds a paged read by the log as it stood when iteration started', async () => {
    const store = open({ readPageSize: 2 });
    await store.appendToStream('s', rawEvents(5));
    const seen: number[][] = [];
    for await (const page of eventPages(store.readStream('s'))!) {
      seen.push(revisions(page));
      if (seen.length === 1) await store.appendToStream('s', rawEvents(3));
    }
    expect(seen).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('ends the page reads when the reader stops early; the store reads on', async () => {
    const store = open({ readPageSize: 2, poolSize: 2 });
    await store.appendToStream('s', rawEvents(9));
    for (let k = 0; k < 4; k++) {
      for await (const page of eventPages(store.readStream('s'))!) {
        expect(revisions(page)).toEqual([0, 1]);
        break;
      }
    }
    expect(revisions(await collect(() => store.readStream('s')))).toEqual(range(0, 8));
  });

  it('fails a tampered row at the same event on both paths; the page holding it is not delivered, earlier pages are', async () => {
    const store = open({ readPageSize: 3 });
    await store.appendToStream('s', rawEvents(8));
    await store.appendToStream('t', rawEvents(2));
    await exec(store, `UPDATE %T SET data = '{"n":4444}' WHERE stream_id = 's' AND revision = 4`);
    const expectAt4 = (err: unknown): void => expect(err).toMatchObject({ code: 'EVENT_INTEGRITY', streamId: 's', revision: 4n, reason: 'checksum_mismatch' });
    const one = await drain(() => store.readStream('s'), false);
    const paged = await drain(() => store.readStream('s'), true);
    expect(revisions(one.events)).toEqual([0, 1, 2, 3]);
    expect(revisions(paged.events)).toEqual([0, 1, 2]);
    expectAt4(one.error);
    expectAt4(paged.error);
    const back = await drain(() => store.readStream('s', { direction: 'backwards' }), true);
    expect([revisions(back.events), back.pageSizes]).toEqual([[7, 6, 5], [3]]);
    expectAt4(back.error);
    const all = await drain(() => store.readAll(), true);
    expect(revisions(all.events)).toEqual([0, 1, 2]);
    expectAt4(all.error);
    expect(revisions((await drain(() => store.readStream('s', { fromRevision: 5n }), true)).events)).toEqual([5, 6, 7]);
  });

  it('fails an undecodable row with EventDecodeError at the same event on both paths', async () => {
    const refuse5: EventCodec = {
      ...rawCodec,
      decode: (type, data, v) => ((data as { n?: number }).n === 5 ? { ok: false, issues: ['n is 5'] } : rawCodec.decode(type, data, v)),
    };
    const store = open({ readPageSize: 4, codec: refuse5 });
    await store.appendToStream('s', rawEvents(10));
    for (const o of [{}, { fromRevision: 2n }, { direction: 'backwards' as const }]) {
      const one = await drain(() => store.readStream('s', o), false);
      const paged = await drain(() => store.readStream('s', o), true);
      for (const r of [one, paged]) expect(r.error, show(o)).toMatchObject({ code: 'EVENT_DECODE', streamId: 's', revision: 5n });
      expect(paged.events, show(o)).toEqual(one.events.slice(0, paged.events.length));
      expect(paged.events.every((e) => e.revision !== 5n) && paged.pageSizes.every((n) => n === 4), show(o)).toBe(true);
    }
  });

  it('folds a thread from the store pages to the state of the in-memory fold; a tampered fact fails the fold at its revision', async () => {
    const history = loadHistoryFixture('basic-thread');
    const memory = getInMemoryEventStore({ codec: factCodec });
    await appendHistoryFixture(memory, history);
    const store = open({ readPageSize: 4, codec: factCodec });
    await appendHistoryFixture(store, history);
    let pagesRead = 0;
    const counting: EventStore = {
      ...store,
      readStream: (streamId, options) => {
        const events = store.readStream(streamId, options);
        const pages = eventPages(events)!;
        return Object.assign(events, {
          pages: () => ({
            async *[Symbol.asyncIterator]() {
              for await (const page of pages) {
                pagesRead++;
                yield page;
              }
            },
          }),
        });
      },
    };
    const expected = await foldHistory(memory, history.threadId);
    const folded = await foldHistory(counting, history.threadId);
    expect(pagesRead).toBe(Math.ceil(history.events.length / 4));
    expect(hashThreadState(folded.state)).toBe(hashThreadState(expected.state));
    expect(folded.factsRead).toBe(expected.factsRead);
    await exec(store, `UPDATE %T SET metadata = '{"schemaVersion":1,"correlationId":"forged"}' WHERE stream_id = '${threadStreamId(history.threadId)}' AND revision = 6`);
    await expect(foldHistory(store, history.threadId)).rejects.toMatchObject({ code: 'EVENT_INTEGRITY', revision: 6n });
  });
});

/** A generated read of a stream of `length` events at page size `pageSize`, with an optional damaged revision (`at` modulo `length`). */
const readCase = fc.record({
  length: fc.integer({ min: 1, max: 14 }),
  pageSize: fc.integer({ min: 1, max: 4 }),
  backwards: fc.boolean(),
  from: fc.option(fc.nat({ max: 15 }), { nil: undefined, freq: 2 }),
  to: fc.option(fc.nat({ max: 15 }), { nil: undefined, freq: 2 }),
  maxCount: fc.option(fc.nat({ max: 15 }), { nil: undefined, freq: 2 }),
  damage: fc.option(fc.record({ at: fc.nat({ max: 13 }), how: fc.constantFrom('edit' as const, 'undecodable' as const) }), { nil: undefined, freq: 4 }),
});

describe('postgres store: reads by page (property)', () => {
  it(`property (seed ${SEED}): pages deliver the event-by-event read up to the page holding its first error, and fail with the same error`, async () => {
    const refuseBad: EventCodec = {
      ...rawCodec,
      decode: (type, data, v) => ((data as { bad?: boolean }).bad === true ? { ok: false, issues: ['bad'] } : rawCodec.decode(type, data, v)),
    };
    const reached = { multiPage: 0, failed: 0, failedAfterAPage: 0, decode: 0, backwards: 0 };
    let k = 0;
    await fc.assert(
      fc.asyncProperty(readCase, async (c) => {
        const store = open({ readPageSize: c.pageSize, codec: refuseBad });
        const streamId = `p${k++}`;
        await store.appendToStream(streamId, rawEvents(c.length));
        if (c.damage !== undefined) {
          const { how } = c.damage;
          const at = c.damage.at % c.length;
          const set = how === 'edit' ? `data = '{"n":-1}'` : `data = '{"bad":true}', checksum = NULL`;
          await exec(store, `UPDATE %T SET ${set} WHERE stream_id = '${streamId}' AND revision = ${at}`);
          // an undecodable row must pass its checks to reach the codec: the stream is re-sealed from it
          if (how === 'undecodable') await reseal(store, streamId, at);
        }
        const o: ReadStreamOptions = {
          ...(c.backwards ? { direction: 'backwards' as const } : {}),
          ...(c.from !== undefined ? { fromRevision: BigInt(c.from) } : {}),
          ...(c.to !== undefined ? { toRevision: BigInt(c.to) } : {}),
          ...(c.maxCount !== undefined ? { maxCount: c.maxCount } : {}),
        };
        const one = await drain(() => store.readStream(streamId, o), false);
        const paged = await drain(() => store.readStream(streamId, o), true);
        await store.close();
        if (one.error === undefined) {
          expect(paged.error).toBeUndefined();
          expect(paged.events).toEqual(one.events);
        } else {
          const e = one.error as { code: string; revision: bigint; reason?: string };
          expect(paged.error).toMatchObject({ code: e.code, revision: e.revision, ...(e.reason !== undefined ? { reason: e.reason } : {}) });
          // the pages before the failing one are full; the failing page's events before the bad one are not delivered
          expect(paged.events).toEqual(one.events.slice(0, Math.floor(one.events.length / c.pageSize) * c.pageSize));
          reached.failed++;
          if (paged.events.length > 0) reached.failedAfterAPage++;
          if (e.code === 'EVENT_DECODE') reached.decode++;
        }
        expect(paged.pageSizes.every((n) => n > 0 && n <= c.pageSize)).toBe(true);
        if (paged.pageSizes.length > 1) reached.multiPage++;
        if (c.backwards && paged.events.length > 1) reached.backwards++;
      }),
      { seed: SEED, numRuns: 50 },
    );
    for (const [what, n] of Object.entries(reached)) expect(n, `generated reads reaching ${what}`).toBeGreaterThan(0);
  });
});

/**
 * Re-seals `streamId` from `revision` on: each row gets the checksum of its current content,
 * chained to its predecessor's (a writer that bypasses the store; the rows then pass their checks).
 */
async function reseal(store: PostgresEventStore, streamId: string, revision: number): Promise<void> {
  const t = `${quoteIdent(store.schema)}.events`;
  const rows = await admin().query({
    text: `SELECT revision::int AS revision, id::text AS id, type, data::text AS data, metadata::text AS metadata, recorded_at, checksum FROM ${t} WHERE stream_id = $1 ORDER BY revision`,
    values: [streamId],
  });
  let prev: string | undefined;
  for (const row of rows.rows as Array<{ revision: number; id: string; type: string; data: string; metadata: string; recorded_at: Date; checksum: string }>) {
    if (row.revision >= revision) {
      const fields = { streamId, revision: BigInt(row.revision), id: row.id, type: row.type, dataJson: row.data, metadataJson: row.metadata, recordedAt: row.recorded_at.toISOString() };
      row.checksum = eventChecksum(prev, fields);
      await admin().query(`UPDATE ${t} SET checksum = $1 WHERE stream_id = $2 AND revision = $3`, [row.checksum, streamId, row.revision]);
    }
    prev = row.checksum;
  }
}
