/**
 * `openEventStore(url, { create: false })`: a store that does not exist is StoreOpenError
 * `not_found` naming it, and nothing is created (no file, no directory, no PostgreSQL schema); an
 * existing store opens as usual.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStoreOpenError, type StoreOpenError } from '../../src/store/errors.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from './fixtures/pg-helpers.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

async function openError(url: string): Promise<StoreOpenError> {
  const err = await openEventStore(url, { codec: factCodec, create: false }).then(
    async (s) => {
      await s.close();
      throw new Error('expected the open to fail');
    },
    (e: unknown) => e,
  );
  if (!isStoreOpenError(err)) throw err;
  return err;
}

describe('create: false on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-nocreate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing file (and directory) is not_found naming the file; nothing is created', async () => {
    const file = join(dir, 'no', 'such', 'events.db');
    const err = await openError(`sqlite:${file}`);
    expect(err.reason).toBe('not_found');
    expect(err.message).toBe(`cannot open event store '${file}': no such store: the file does not exist (nothing was created)`);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('an empty file is not a store either, and stays empty', async () => {
    const file = join(dir, 'empty.db');
    writeFileSync(file, '');
    expect((await openError(`sqlite:${file}`)).message).toMatch(/no such store: the file is empty/);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('an existing store opens', async () => {
    const url = `sqlite:${join(dir, 'made.db')}`;
    await (await openEventStore(url, { codec: factCodec })).close();
    const store = await openEventStore(url, { codec: factCodec, create: false });
    expect(await store.streamRevision('thread-x')).toBeUndefined();
    await store.close();
  });
});

describe('create: false on PostgreSQL', () => {
  const admin = usePgAdmin(2);
  const schema = schemaName();
  afterAll(async () => dropSchema(admin(), schema));

  it('a schema without a store is not_found; the schema is not created; once created it opens', async () => {
    const url = `${PG_URL}?schema=${schema}`;
    const err = await openError(url);
    expect(err.reason).toBe('not_found');
    expect(err.message).toMatch(new RegExp(`no such store: schema '${schema}' holds no Orchestral store`));
    const found = await admin().query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
    expect(found.rowCount).toBe(0);
    await (await openEventStore(url, { codec: factCodec })).close();
    await (await openEventStore(url, { codec: factCodec, create: false })).close();
  });
});
