/**
 * PostgreSQL write failures as the store's typed StoreWriteError naming the server: the SQLSTATE
 * mapping for every code (a full disk cannot be produced on the shared local server), and a real
 * read-only session (`default_transaction_read_only`) rejecting an append with nothing stored.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { getPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { translatePgWriteError } from '../../src/store/postgres/write-errors.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from './fixtures/pg-helpers.ts';

const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });
const opened = { type: 'ThreadOpened', data: { threadId: 'w', policy: { kind: 'reject' } } };

describe('translatePgWriteError', () => {
  it('53100 → disk_full, 58030 → io, 25006 → read_only, naming the server and keeping the pg error as cause', () => {
    const full = pgError('53100', 'could not extend file "base/16384/16385": No space left on device');
    expect(translatePgWriteError(full, 'postgresql://db:5432/app')).toMatchObject({
      code: 'STORE_WRITE',
      reason: 'disk_full',
      location: 'postgresql://db:5432/app',
      cause: full,
      message: 'disk full writing postgresql://db:5432/app (SQLSTATE 53100): could not extend file "base/16384/16385": No space left on device; nothing of this append was stored',
    });
    expect(translatePgWriteError(pgError('58030', 'could not write block'), 'pg')).toMatchObject({ reason: 'io' });
    expect(translatePgWriteError(pgError('25006', 'cannot execute INSERT in a read-only transaction'), 'pg')).toMatchObject({ reason: 'read_only' });
  });

  it('other SQLSTATEs and errors without one are returned unchanged', () => {
    const unique = pgError('23505', 'duplicate key');
    expect(translatePgWriteError(unique, 'pg')).toBe(unique);
    const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(translatePgWriteError(network, 'pg')).toBe(network);
  });
});

describe('a read-only session', () => {
  const admin = usePgAdmin(1);
  const schema = schemaName();
  afterAll(() => dropSchema(admin(), schema));

  it('rejects an append with STORE_WRITE read_only, and the stream keeps what it had', async () => {
    const writable = getPostgresEventStore({ codec: factCodec, connectionString: PG_URL, schema });
    await writable.appendToStream('thread-w', [{ id: randomUUID(), ...opened }]);
    await writable.close();
    const readOnlyUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c default_transaction_read_only=on')}`;
    const store = getPostgresEventStore({ codec: factCodec, connectionString: readOnlyUrl, schema });
    try {
      const err = await store.appendToStream('thread-w', [{ id: randomUUID(), ...opened }]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STORE_WRITE', reason: 'read_only' });
      expect((err as Error).message).toMatch(/became read-only \(SQLSTATE 25006\).*nothing of this append was stored$/);
      const events = [];
      for await (const e of store.readStream('thread-w')) events.push(e);
      expect(events).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
