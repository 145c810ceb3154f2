/**
 * The lease contract against SQLite (instances on one store file, each its own connection) and
 * PostgreSQL (instances on one schema, each its own session; the local server, see pg-helpers).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { getPostgresLeaseStore, leaseLockKey } from '../../src/ownership/postgres-leases.ts';
import { getSqliteLeaseStore } from '../../src/ownership/sqlite-leases.ts';
import { getPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { tempDir } from '../cli/helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { runLeaseContract } from './lease-contract.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

runLeaseContract('sqlite', async () => {
  const tmp = tempDir('orchestral-leases-');
  const path = join(tmp.dir, 'events.db');
  await getSqliteEventStore({ codec: factCodec, path }).close(); // the store creates and marks the file
  const clock = new SimulatedClock();
  return {
    open: () => getSqliteLeaseStore({ path, clock }),
    clock,
    teardown: async () => tmp.cleanup(),
  };
}, 'expiring');

const admin = usePgAdmin(2);

runLeaseContract('postgres', async () => {
  const schema = schemaName();
  const store = getPostgresEventStore({ codec: factCodec, connectionString: PG_URL, schema });
  await store.ready();
  await store.close();
  const clock = new SimulatedClock();
  return {
    open: () => getPostgresLeaseStore({ connectionString: PG_URL, schema, clock }),
    clock,
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
}, 'session');

describe('read-only lease stores', () => {
  it('PostgreSQL: a schema without the lease table has no holders, and nothing is created', async () => {
    const schema = schemaName();
    const ro = getPostgresLeaseStore({ connectionString: PG_URL, schema, readOnly: true });
    try {
      expect(await ro.list()).toEqual([]);
      expect(await ro.holderOf('t')).toBeUndefined();
      const r = await admin().query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [schema]);
      expect(r.rowCount).toBe(0);
    } finally {
      await ro.close();
    }
  });

  it('SQLite: a store file without the lease table has no holders, and nothing is created', async () => {
    const tmp = tempDir('orchestral-leases-ro-');
    try {
      const path = join(tmp.dir, 'events.db');
      await getSqliteEventStore({ codec: factCodec, path }).close();
      const ro = getSqliteLeaseStore({ path, readOnly: true });
      expect(await ro.list()).toEqual([]);
      expect(await ro.holderOf('t')).toBeUndefined();
      await ro.close();
      const check = getSqliteLeaseStore({ path });
      expect(await check.list()).toEqual([]);
      await check.close();
    } finally {
      tmp.cleanup();
    }
  });
});

describe('PostgreSQL lease connection', () => {
  it('overlapping acquire, renew, holderOf and release run one at a time on the one connection (no pg queueing warning)', async () => {
    const schema = schemaName();
    const leases = getPostgresLeaseStore({ connectionString: PG_URL, schema, clock: new SimulatedClock() });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const who = { id: 'h1', pid: 1, bootId: 'b', host: 'x' };
      const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
      const acquired = await Promise.all(ids.map((id) => leases.acquire(id, who, 5_000)));
      expect(acquired.every((a) => a.acquired)).toBe(true);
      const [renewed, holders] = await Promise.all([
        Promise.all(ids.map((id) => leases.renew(id, 'h1', 5_000))),
        Promise.all(ids.map((id) => leases.holderOf(id))),
      ]);
      expect(renewed.every((h) => h?.id === 'h1')).toBe(true);
      expect(holders.every((h) => h?.id === 'h1')).toBe(true);
      await Promise.all(ids.map((id) => leases.release(id, 'h1')));
      expect(await leases.list()).toEqual([]);
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
      expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await leases.close();
      await dropSchema(admin(), schema);
    }
  });
});
