/**
 * Log following through a PostgreSQL failure: while the owner's store cannot read its events table
 * (renamed away: every scan and position read fails), its head watches error; once the table is
 * back, the owner's followers subscribe again and fold the cancel another runtime appended, which
 * aborts the owner's running step. Two runtimes, each with its own store pool and lease session on
 * one schema of the local server (see pg-helpers; the file fails when the server is unreachable).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Observable } from 'rxjs';
import { getPostgresLeaseStore } from '../../src/ownership/postgres-leases.ts';
import { processIdentity } from '../../src/ownership/identity.ts';
import { getPostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts';
import { quoteIdent } from '../../src/store/postgres/connection.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { scriptedPlanner } from '../../src/testing/scripted-planner.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { planOf, readThread, testActions } from './runtime-fixtures.ts';

const admin = usePgAdmin(2);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Polls `cond` every 10 ms for at most `ms` (real time: the runtimes run on the system clock). */
async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Wraps `store` so that the errors its head watches end with are counted. */
function countingWatchErrors(store: EventStore) {
  const counter = { errors: 0 };
  const watch = store.watchStreamHead!.bind(store);
  const wrapped = Object.assign(Object.create(store) as EventStore, {
    watchStreamHead: (streamId: string, options?: { afterRevision?: bigint }) =>
      new Observable<bigint>((subscriber) =>
        watch(streamId, options).subscribe({
          next: (v) => subscriber.next(v),
          error: (e: unknown) => {
            counter.errors++;
            subscriber.error(e);
          },
          complete: () => subscriber.complete(),
        }),
      ),
  });
  return { store: wrapped, counter };
}

describe('log following on PostgreSQL', () => {
  it('an owner whose scans failed folds, once the server answers again, the cancel appended meanwhile', async () => {
    const schema = schemaName();
    cleanups.push(() => dropSchema(admin(), schema));
    const make = (id: string, pollIntervalMs?: number) => {
      const raw = getPostgresEventStore({ codec: factCodec, connectionString: PG_URL, schema, ...(pollIntervalMs ? { pollIntervalMs } : {}) });
      const { store, counter } = countingWatchErrors(raw);
      const acts = testActions();
      const planner = scriptedPlanner((req) =>
        req.observations.length === 0 ? planOf([{ id: 'a', action: 't.gate', input: {} }]) : { kind: 'done', answer: 'ok' },
      );
      const rt = createRuntime({
        store,
        actions: acts.registry,
        plannerFor: () => planner,
        leases: getPostgresLeaseStore({ connectionString: PG_URL, schema }),
        ownership: { identity: { ...processIdentity(), id } },
      });
      cleanups.push(async () => {
        await rt.close();
        await raw.close();
      });
      return { rt, raw, counter, gate: acts.gate };
    };
    const owner = make('owner', 30); // its safety-net poll signals a scan every 30 ms
    await owner.raw.ready();
    const other = make('other');
    await owner.rt.openThread({ threadId: 't', input: { text: 'go' } });
    await waitFor(() => owner.gate.pending.size === 1, 'the owner to start the gated step');
    await other.rt.load('t');
    expect(other.rt.owner('t').owned).toBe(false);

    const events = `${quoteIdent(schema)}.events`;
    await admin().query(`ALTER TABLE ${events} RENAME TO events_away`);
    try {
      await waitFor(() => owner.counter.errors >= 2, 'the owner head watch to fail twice (a scan, then a resubscription)');
    } finally {
      await admin().query(`ALTER TABLE ${quoteIdent(schema)}.events_away RENAME TO events`);
    }
    await other.rt.cancel('t', { reason: 'stop' });
    await waitFor(() => owner.gate.pending.size === 0, 'the owner to fold the cancel and abort its step');
    const settled = await owner.rt.whenSettled('t');
    expect(settled.live).toEqual([]);
    const types = (await readThread(owner.raw, 't')).map((e) => e.type);
    expect(types).toContain('InteractionCancelled');
    expect(types.filter((t) => t === 'InteractionCancelled')).toHaveLength(1);
  }, 60_000);
});
