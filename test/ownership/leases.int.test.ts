/**
 * The lease contract against SQLite (instances on one store file, each its own connection) and
 * PostgreSQL (instances on one schema, each its own session; the local server, see pg-helpers).
 */
import { join } from 'node:path';
import { SimulatedClock } from '../../src/core/clock.ts';
import { getPostgresLeaseStore, leaseLockKey } from '../../src/ownership/postgres-leases.ts';
import { getSqliteLeaseStore } from '../../src/ownership/sqlite-leases.ts';
import { getPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { tempDir } from '../cli/helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { runLeaseContract } from './lease-contract.ts';

runLeaseContract('sqlite', async () => {
  const tmp = tempDir('orchestral-leases-');
  const path = join(tmp.dir, 'events.db');
  await getSqliteEventStore({ path }).close(); // the store creates and marks the file
  const clock = new SimulatedClock();
  return {
    open: () => getSqliteLeaseStore({ path, clock }),
    clock,
    expires: true,
    teardown: async () => tmp.cleanup(),
  };
});

const admin = usePgAdmin(2);

runLeaseContract('postgres', async () => {
  const schema = schemaName();
  const store = getPostgresEventStore({ connectionString: PG_URL, schema });
  await store.ready();
  await store.close();
  const clock = new SimulatedClock();
  return {
    open: () => getPostgresLeaseStore({ connectionString: PG_URL, schema, clock }),
    clock,
    expires: false,
    async crash() {
      // The server ends the session holding thread 't' (as when its process is killed).
      const key = BigInt(leaseLockKey(schema, 't'));
      await admin().query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
           AND classid::bigint = $1 AND objid::bigint = $2`,
        [String(key >> 32n), String(key & 0xffffffffn)],
      );
      await new Promise((r) => setTimeout(r, 100)); // the victim's client sees its connection end
    },
    teardown: () => dropSchema(admin(), schema),
  };
});
