/**
 * Damage done to the stored rows behind the adapter's back (SQLite file, PostgreSQL table) is
 * caught by every read path with EventIntegrityError naming stream and revision, and listed by
 * verifyIntegrity: a payload edited into other valid JSON, edited metadata, a zero-filled payload,
 * a removed middle event, two events swapped, a removed checksum. Other streams stay readable.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventIntegrityError, type IntegrityReason } from '../../src/store/errors.ts';
import { eventPages, type EventStore } from '../../src/store/event-store.ts';
import { quoteIdent } from '../../src/store/postgres/connection.ts';
import { getPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { collect, rawEvents, rejection, until, watch } from './contract/helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from './fixtures/pg-helpers.ts';
import { tempDir } from './fixtures/sqlite-helpers.ts';

/** A store on fresh storage plus a way to run SQL on its events table (`%T` in the SQL is replaced by the table's name). */
interface Backend {
  store: EventStore;
  exec(sql: string): Promise<void>;
}

interface Tamper {
  name: string;
  /** SQL run against the table; `%T` names it. */
  sql: string[];
  /** First damaged event a forward read of 's' meets. */
  first: { revision: bigint; reason: IntegrityReason };
  /** First damaged event a read of the whole log (position order) meets, when not `first`. */
  firstInLog?: { revision: bigint; reason: IntegrityReason };
  /** What verifyIntegrity lists: [revision, reason] of stream 's'. */
  listed: Array<[bigint, IntegrityReason]>;
}

const at = (rev: number): string => `stream_id = 's' AND revision = ${rev}`;
const swap = (a: number, b: number): string[] => [
  `UPDATE %T SET revision = 1000 WHERE ${at(a)}`,
  `UPDATE %T SET revision = ${a} WHERE ${at(b)}`,
  `UPDATE %T SET revision = ${b} WHERE ${at(1000)}`,
];

const COMMON: Tamper[] = [
  {
    name: 'payload edited into other valid JSON',
    sql: [`UPDATE %T SET data = '{"n":12345}' WHERE ${at(1)}`],
    first: { revision: 1n, reason: 'checksum_mismatch' },
    listed: [[1n, 'checksum_mismatch']],
  },
  {
    name: 'metadata edited',
    sql: [`UPDATE %T SET metadata = '{"schemaVersion":1,"correlationId":"forged"}' WHERE ${at(2)}`],
    first: { revision: 2n, reason: 'checksum_mismatch' },
    listed: [[2n, 'checksum_mismatch']],
  },
  {
    name: 'middle event deleted',
    sql: [`DELETE FROM %T WHERE ${at(1)}`],
    first: { revision: 2n, reason: 'revision_gap' },
    listed: [[2n, 'revision_gap']],
  },
  {
    name: 'two events swapped',
    sql: swap(1, 2),
    first: { revision: 1n, reason: 'checksum_mismatch' },
    // in position order revision 2 now comes first, right after revision 0
    firstInLog: { revision: 2n, reason: 'revision_gap' },
    // revision 3 is intact, but what it was chained to has moved
    listed: [
      [1n, 'checksum_mismatch'],
      [2n, 'chain_broken'],
      [3n, 'chain_broken'],
    ],
  },
  {
    name: 'checksum overwritten',
    sql: [`UPDATE %T SET checksum = '${'0'.repeat(64)}' WHERE ${at(1)}`],
    first: { revision: 1n, reason: 'checksum_mismatch' },
    // revision 2 is intact: verify says its link was changed, not its content
    listed: [
      [1n, 'checksum_mismatch'],
      [2n, 'chain_broken'],
    ],
  },
  {
    name: 'checksum removed',
    sql: [`UPDATE %T SET checksum = NULL WHERE ${at(3)}`],
    first: { revision: 3n, reason: 'checksum_mismatch' },
    listed: [[3n, 'checksum_mismatch']],
  },
];

const ZERO_FILL: Tamper = {
  name: 'payload zero-filled',
  sql: [`UPDATE %T SET data = zeroblob(length(data)) WHERE ${at(2)}`],
  first: { revision: 2n, reason: 'checksum_mismatch' },
  listed: [[2n, 'checksum_mismatch']],
};

/** Stream 's' revisions 0..3 and stream 't' revisions 0..1, interleaved in the log. */
async function fill(store: EventStore): Promise<void> {
  await store.appendToStream('s', rawEvents(2));
  await store.appendToStream('t', rawEvents(1, 10));
  await store.appendToStream('s', rawEvents(2, 2));
  await store.appendToStream('t', rawEvents(1, 11));
}

function expectIntegrity(err: unknown, revision: bigint | undefined, reason?: IntegrityReason): void {
  expect(isEventIntegrityError(err), String(err)).toBe(true);
  expect(err).toMatchObject({ streamId: 's', ...(revision === undefined ? {} : { revision }), ...(reason === undefined ? {} : { reason }) });
  expect((err as Error).message).toMatch(/stream 's' revision \d+ \(position \d+\) failed its integrity check/);
}

function describeTampering(adapter: string, cases: Tamper[], open: () => Promise<Backend>): void {
  describe(`${adapter}: tampered rows`, () => {
    for (const t of cases) {
      it(`${t.name}: every read path fails naming stream and revision; verify lists it`, async () => {
        const { store, exec } = await open();
        await fill(store);
        for (const sql of t.sql) await exec(sql);

        expectIntegrity(await rejection(collect(() => store.readStream('s'))), t.first.revision, t.first.reason);
        expectIntegrity(await rejection(collect(() => store.readStream('s', { direction: 'backwards' }))), undefined);
        const paged = eventPages(store.readStream('s'));
        if (paged !== undefined) expectIntegrity(await rejection(collect(() => paged)), t.first.revision, t.first.reason);
        const inLog = t.firstInLog ?? t.first;
        expectIntegrity(await rejection(collect(() => store.readAll())), inLog.revision, inLog.reason);
        for (const [sub, first] of [[store.subscribeToStream('s'), t.first], [store.subscribeToAll(), inLog]] as const) {
          const w = watch(sub);
          await until(() => w.error !== undefined, 'the subscription error');
          expectIntegrity(w.error, first.revision, first.reason);
          expect(w.events.every((e) => e.streamId !== 's' || e.revision < first.revision)).toBe(true);
        }
        const issues = await collect(() => store.verifyIntegrity());
        expect(issues.map((i) => [i.streamId, i.revision, i.reason])).toEqual(t.listed.map(([rev, reason]) => ['s', rev, reason]));
        expect((await collect(() => store.readStream('t'))).map((e) => e.revision)).toEqual([0n, 1n]);
      });
    }
  });
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describeTampering('sqlite', [...COMMON, ZERO_FILL], async () => {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const path = join(tmp.dir, 'events.db');
  const store = getSqliteEventStore({ path, codec: rawCodec });
  cleanups.push(() => store.close());
  return {
    store,
    exec: async (sql) => {
      const db = new Database(path);
      try {
        db.prepare(sql.replaceAll('%T', 'events')).run();
      } finally {
        db.close();
      }
    },
  };
});

describe('postgres', () => {
  const admin = usePgAdmin(2);
  describeTampering(
    'postgres',
    [
      ...COMMON,
      {
        name: 'type edited',
        sql: [`UPDATE %T SET type = 'Other' WHERE ${at(0)}`],
        first: { revision: 0n, reason: 'checksum_mismatch' },
        listed: [[0n, 'checksum_mismatch']],
      },
    ],
    async () => {
      const schema = schemaName();
      const store = getPostgresEventStore({ connectionString: PG_URL, schema, codec: rawCodec, poolSize: 3 });
      cleanups.push(() => dropSchema(admin(), schema));
      cleanups.push(() => store.close());
      await store.ready();
      return { store, exec: async (sql) => void (await admin().query(sql.replaceAll('%T', `${quoteIdent(schema)}.events`))) };
    },
  );
});
