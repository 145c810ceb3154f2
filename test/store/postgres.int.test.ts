/**
 * The PostgreSQL adapter against the store contract and properties, on the local server
 * (`ORCHESTRAL_TEST_PG_URL`, default postgresql://127.0.0.1:5432/test, trust auth). Every factory
 * call gets its own schema `orch_t_<random>`, dropped in teardown, so runs never collide.
 * The file fails (it does not skip) when the server is unreachable: CI starts PostgreSQL first.
 * Adapter-specific behaviour is in `postgres-adapter.int.test.ts`.
 */
import { getPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { trackedHandle } from './contract/helpers.ts';
import { runEventStoreContract, type StoreFactory } from './contract/index.ts';
import { runEventStoreProperties } from './contract/properties.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from './fixtures/pg-helpers.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const admin = usePgAdmin(2);

/** Contract factory: a new schema per call; every instance on it is closed, then the schema dropped. */
const pgFactory: StoreFactory = async (opts = {}) => {
  const schema = schemaName();
  return trackedHandle(
    (o) => getPostgresEventStore({ codec: factCodec, ...o, connectionString: PG_URL, schema, poolSize: 4, pollIntervalMs: 250 }),
    opts,
    () => dropSchema(admin(), schema),
  );
};

runEventStoreContract('postgres', pgFactory);
runEventStoreProperties('postgres', pgFactory, { numRuns: 12 });
