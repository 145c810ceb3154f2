/**
 * The EventStoreDB / KurrentDB adapter against the store contract and properties, on the server
 * named by `KURRENTDB_URL` (or `ESDB_URL`), e.g. `esdb://127.0.0.1:2113?tls=false` after
 * `docker compose up -d kurrentdb`. Every factory call gets its own stream prefix
 * `orch-t-<random>-`, so runs never collide (the streams stay on the test server).
 *
 * Without a server URL every test here is reported as SKIPPED (never passed), with the reason in
 * the suite name. What runs without a server: opening a URL nobody answers.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStoreOpenError, type StoreOpenError } from '../../src/store/errors.ts';
import { getKurrentDbEventStore } from '../../src/store/kurrentdb/kurrentdb-event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { rejection, trackedHandle } from './contract/helpers.ts';
import { runEventStoreContract, type StoreFactory } from './contract/index.ts';
import { runEventStoreProperties } from './contract/properties.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const SERVER = process.env.KURRENTDB_URL || process.env.ESDB_URL;
const NO_SERVER =
  'skipped: KURRENTDB_URL (or ESDB_URL) is not set, no KurrentDB/EventStoreDB server to run against ' +
  '(docker compose up -d kurrentdb, then KURRENTDB_URL=esdb://127.0.0.1:2113?tls=false)';

/** Contract factory: a new stream prefix per call; every instance on it is closed in teardown. */
const kurrentFactory: StoreFactory = async (opts = {}) => {
  const streamPrefix = `orch-t-${randomBytes(6).toString('hex')}-`;
  return trackedHandle((o) => getKurrentDbEventStore({ codec: factCodec, ...o, url: SERVER as string, streamPrefix, pollIntervalMs: 250 }), opts, () => undefined);
};

if (SERVER === undefined) {
  describe.skip(`KurrentDB store contract and properties (${NO_SERVER})`, () => {
    runEventStoreContract('kurrentdb', kurrentFactory, { globalEventIds: false, watchStreamHead: false });
    runEventStoreProperties('kurrentdb', kurrentFactory, { numRuns: 12 });
  });
} else {
  runEventStoreContract('kurrentdb', kurrentFactory, { globalEventIds: false, watchStreamHead: false });
  runEventStoreProperties('kurrentdb', kurrentFactory, { numRuns: 12 });
}

describe('kurrentdb: opening', () => {
  it('a server that does not answer is StoreOpenError io naming the URL without its credentials', async () => {
    const err = await rejection(openEventStore('kurrentdb://admin:changeit@127.0.0.1:1?tls=false', { codec: factCodec }));
    expect(isStoreOpenError(err), String(err)).toBe(true);
    expect((err as StoreOpenError).reason).toBe('io');
    expect((err as Error).message).toContain('kurrentdb://127.0.0.1:1?tls=false');
    expect((err as Error).message).not.toContain('changeit');
  });
});
