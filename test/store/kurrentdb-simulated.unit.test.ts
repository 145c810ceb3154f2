/**
 * The KurrentDB adapter's own logic (appends pinned to the stream head, idempotent retries,
 * paging, prefix filtering of `$all`, positions, the checksum chain, catch-up subscriptions)
 * against the whole store contract and properties, over an in-process stand-in for the client
 * (`fixtures/fake-kurrentdb-client.ts`). A real server runs the same suite in kurrentdb.int.test.ts.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventIntegrityError } from '../../src/store/errors.ts';
import { getKurrentDbEventStore } from '../../src/store/kurrentdb/kurrentdb-event-store.ts';
import { collect, rawEvents, rejection, trackedHandle } from './contract/helpers.ts';
import { runEventStoreContract, type StoreFactory } from './contract/index.ts';
import { runEventStoreProperties } from './contract/properties.ts';
import { FakeKurrentServer } from './fixtures/fake-kurrentdb-client.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const URL = 'esdb://127.0.0.1:2113?tls=false';

const simulated: StoreFactory = async (opts = {}) => {
  const server = new FakeKurrentServer();
  return trackedHandle(
    (o) => getKurrentDbEventStore({ codec: factCodec, ...o, url: URL, client: server.client() as unknown as EventStoreDBClient, readPageSize: 3, pollIntervalMs: 50 }),
    opts,
    () => undefined,
  );
};

runEventStoreContract('kurrentdb (simulated client)', simulated, { globalEventIds: false, watchStreamHead: false });
runEventStoreProperties('kurrentdb (simulated client)', simulated, { numRuns: 12 });

describe('kurrentdb adapter over the simulated client', () => {
  it('stores our streams under the prefix, with our metadata, recordedAt and checksum in the event metadata', async () => {
    const server = new FakeKurrentServer();
    const store = getKurrentDbEventStore({ url: `${URL}&streamPrefix=app-`, client: server.client() as unknown as EventStoreDBClient, codec: rawCodec });
    await store.appendToStream('s', rawEvents(2));
    expect([...server.streams.keys()]).toEqual(['$settings', 'app-s']);
    const meta = JSON.parse(server.streams.get('app-s')![1]!.metadata.toString('utf8')) as { orchestral: { checksum: string; recordedAt: string; metadata: unknown } };
    expect(meta.orchestral.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.orchestral.metadata).toEqual({ schemaVersion: 1 });
    await store.close();
  });

  it('an event edited on the server fails reads with EventIntegrityError and is listed by verify', async () => {
    const server = new FakeKurrentServer();
    const store = getKurrentDbEventStore({ url: URL, client: server.client() as unknown as EventStoreDBClient, codec: rawCodec });
    await store.appendToStream('s', rawEvents(3));
    server.streams.get('orchestral-s')![1]!.data = Buffer.from('{"n":41}');
    const err = await rejection(collect(() => store.readStream('s')));
    expect(isEventIntegrityError(err)).toBe(true);
    expect(err).toMatchObject({ streamId: 's', revision: 1n, reason: 'checksum_mismatch' });
    expect((await collect(() => store.verifyIntegrity())).map((i) => [i.streamId, i.revision, i.reason])).toEqual([['s', 1n, 'checksum_mismatch']]);
    await store.close();
  });
});
