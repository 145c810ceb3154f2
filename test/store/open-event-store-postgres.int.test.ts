import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withDefaultUser } from '../../src/store/postgres/connection.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { isStoreOpenError, type StoreOpenError } from '../../src/store/errors.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { rejection } from './contract/helpers.ts';
import { TimerSpyClock } from './fixtures/timer-spy-clock.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const PG_URL = process.env.ORCHESTRAL_TEST_PG_URL ?? 'postgresql://127.0.0.1:5432/test';

describe('openEventStore with postgres URLs', () => {
  const schema = `orch_t_${randomBytes(6).toString('hex')}`;

  afterAll(async () => {
    const client = new pg.Client({ connectionString: withDefaultUser(PG_URL) });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('opens the PostgreSQL store in the schema the URL names, and it works', async () => {
    const store = await openEventStore(`${PG_URL}?schema=${schema}`, { codec: rawCodec });
    try {
      const id = '6f9619ff-8b86-4d01-b42d-00cf4fc964ff';
      const res = await store.appendToStream('s', [{ id, type: 't', data: { n: 1 } }]);
      expect(res.nextExpectedRevision).toBe(0n);
      const read = [];
      for await (const e of store.readStream('s')) read.push(e.data);
      expect(read).toEqual([{ n: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('passes pollIntervalMs (ms) to the adapter: the safety-net poll runs at that period; a bad one is refused before connecting', async () => {
    const clock = new TimerSpyClock();
    const store = await openEventStore(`${PG_URL}?schema=${schema}`, { codec: rawCodec, clock, pollIntervalMs: 43 });
    try {
      const sub = store.subscribeToAll().subscribe();
      expect(clock.delays).toContain(43);
      expect(clock.delays).not.toContain(1000); // the PostgreSQL default
      sub.unsubscribe();
    } finally {
      await store.close();
    }
    const err = await rejection(openEventStore('postgresql://127.0.0.1:1/db', { codec: factCodec, pollIntervalMs: 0 })); // unreachable: io if it connected
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toContain('pollIntervalMs must be a finite number > 0, got 0');
  });

  it('an unreachable server is a StoreOpenError with reason io', async () => {
    const err = await openEventStore('postgresql://127.0.0.1:1/db', { codec: factCodec }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStoreOpenError(err)).toBe(true);
    expect((err as StoreOpenError).reason).toBe('io');
  });
});
