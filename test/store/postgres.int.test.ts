/**
 * The PostgreSQL adapter against the store contract and properties, on the local server
 * (`ORCHESTRAL_TEST_PG_URL`, default postgresql://127.0.0.1:5432/test, trust auth). Every factory
 * call gets its own schema `orch_t_<random>`, dropped in teardown, so runs never collide.
 * The file fails (it does not skip) when the server is unreachable: CI starts PostgreSQL first.
 * Adapter-specific behaviour is in `postgres-adapter.int.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { describeError, quoteIdent, withDefaultUser } from '../../src/store/postgres/connection.ts';
import { getPostgresEventStore, type PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { runEventStoreContract, type StoreFactory } from './contract/index.ts';
import { runEventStoreProperties } from './contract/properties.ts';

const PG_URL = process.env.ORCHESTRAL_TEST_PG_URL ?? 'postgresql://127.0.0.1:5432/test';
let admin: pg.Pool;

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: withDefaultUser(PG_URL), max: 2, connectionTimeoutMillis: 5000 });
  try {
    await admin.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL at ${PG_URL} cannot be used (${describeError(err)}). These tests need it: CI starts it before npm test; ` +
        'locally run `docker compose up -d postgres` or point ORCHESTRAL_TEST_PG_URL at a server.',
    );
  }
});
afterAll(async () => {
  await admin?.end();
});

/** Contract factory: a new schema per call; every instance on it is closed, then the schema dropped. */
const pgFactory: StoreFactory = async (opts = {}) => {
  const schema = `orch_t_${randomBytes(6).toString('hex')}`;
  const opened: PostgresEventStore[] = [];
  const openOne = (o: typeof opts): PostgresEventStore => {
    const store = getPostgresEventStore({ ...o, connectionString: PG_URL, schema, poolSize: 4, pollIntervalMs: 250 });
    opened.push(store);
    return store;
  };
  return {
    store: openOne(opts),
    reopen: async (o = {}) => openOne(o),
    teardown: async () => {
      for (const s of opened) await s.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    },
  };
};

runEventStoreContract('postgres', pgFactory);
runEventStoreProperties('postgres', pgFactory, { numRuns: 12 });
