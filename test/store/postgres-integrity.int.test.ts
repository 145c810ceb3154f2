/**
 * PostgreSQL specifics of integrity: migrating a schema-v1 store (events without checksums) seals
 * its events with their chained checksums, so they read and verify; later damage is caught.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventIntegrityError } from '../../src/store/errors.ts';
import { quoteIdent } from '../../src/store/postgres/connection.ts';
import { getPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/postgres/schema.ts';
import { collect, rawEvents, rejection } from './contract/helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from './fixtures/pg-helpers.ts';

const admin = usePgAdmin(2);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('postgres: schema v1 → v2 (checksums)', () => {
  it('gives every event stored before checksums existed its chained checksum; later damage is caught', async () => {
    const schema = schemaName();
    cleanups.push(() => dropSchema(admin(), schema));
    const s = quoteIdent(schema);
    await admin().query(`CREATE SCHEMA ${s}`);
    await admin().query(`CREATE TABLE ${s}.orchestral_meta (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), schema_version integer NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    await admin().query(`INSERT INTO ${s}.orchestral_meta (schema_version) VALUES (1)`);
    await admin().query(MIGRATIONS.find((m) => m.version === 1)!.sql(s));
    const old = [...rawEvents(3), ...rawEvents(2, 10)];
    for (const [i, e] of old.entries()) {
      await admin().query(
        `INSERT INTO ${s}.events (position, stream_id, revision, id, type, data, metadata, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, '{"schemaVersion":1}', '2026-01-01T00:00:00.123Z')`,
        [i + 1, i % 2 === 0 ? 'a' : 'b', Math.floor(i / 2), e.id, e.type, JSON.stringify(e.data)],
      );
    }

    const store = getPostgresEventStore({ connectionString: PG_URL, schema, codec: rawCodec, poolSize: 3 });
    cleanups.push(() => store.close());
    expect((await collect(() => store.readAll())).map((e) => e.id)).toEqual(old.map((e) => e.id));
    expect(await collect(() => store.verifyIntegrity())).toEqual([]);
    await store.appendToStream('b', rawEvents(1, 12), { expectedRevision: 1n });
    expect((await collect(() => store.readStream('b'))).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
    expect((await admin().query(`SELECT schema_version FROM ${s}.orchestral_meta`)).rows).toEqual([{ schema_version: SCHEMA_VERSION }]);
    expect((await admin().query(`SELECT count(*)::int AS n FROM ${s}.events WHERE checksum IS NULL`)).rows).toEqual([{ n: 0 }]);

    await admin().query(`UPDATE ${s}.events SET data = '{"n":7}' WHERE stream_id = 'a' AND revision = 2`);
    const err = await rejection(collect(() => store.readStream('a')));
    expect(isEventIntegrityError(err)).toBe(true);
    expect(err).toMatchObject({ streamId: 'a', revision: 2n, reason: 'checksum_mismatch' });
  });
});
