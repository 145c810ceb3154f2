/**
 * The PostgreSQL projection store on the local server (`ORCHESTRAL_TEST_PG_URL`, default
 * postgresql://127.0.0.1:5432/test, trust auth): the projection store contract (a throwaway schema
 * per test, named by the URL's `?schema=`), the table beside the event store's in one schema, and
 * errors naming the server without its password.
 */
import { factCodec } from '../../src/facts/fact-codec.ts';
import { describe, expect, it } from 'vitest';
import { openPostgresProjectionStore } from '../../src/projections/postgres-projection-store.ts';
import { openPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { runProjectionStoreContract } from './projection-store-contract.ts';

const admin = usePgAdmin(2);
const withSchema = (schema: string): string => {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
};

runProjectionStoreContract('postgres', async () => {
  const schema = schemaName();
  return { open: () => openPostgresProjectionStore({ connectionString: withSchema(schema) }), dispose: () => dropSchema(admin(), schema) };
});

describe('postgres projection store', () => {
  it('keeps its table in the event store\'s schema (the URL\'s ?schema=), opened in either order', async () => {
    const schema = schemaName();
    try {
      const rows = openPostgresProjectionStore({ connectionString: withSchema(schema) });
      await rows.save({ name: 'p', version: 1, position: 3n, state: { x: 1 } });
      const events = await openPostgresEventStore({ codec: factCodec, connectionString: withSchema(schema) });
      await events.close();
      const tables = await admin().query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['events', 'projection_state']));
      expect(await rows.load('p')).toEqual({ name: 'p', version: 1, position: 3n, state: { x: 1 } });
      expect(rows.location).toContain(`#${schema}`);
      await rows.close();
    } finally {
      await dropSchema(admin(), schema);
    }
  });

  it('an unreachable server is a PROJECTION_STORE error naming the server without its password', async () => {
    const rows = openPostgresProjectionStore({ connectionString: 'postgresql://someone:secret-pw@127.0.0.1:1/test?schema=x', connectTimeoutMs: 2000 });
    const err = await rows.load('p').catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'PROJECTION_STORE' });
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain('secret-pw');
    await rows.close();
  });
});
