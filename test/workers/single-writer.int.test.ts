/**
 * Two workers never both append to one thread (PostgreSQL). Two `startWorker`s in this process,
 * each with its own store connection, lease store and holder id, run the same 40 threads of the
 * fleet plan while an append-only writer (as `send --no-wait` does) sends each thread a second
 * input. Every append of a worker goes through a recording store: an observer reads the thread's
 * lease holder right before and right after each successful append and it is that worker both
 * times (ownership proven by the lease); appends refused with WrongExpectedVersionError are counted
 * (only the append-only writer races an owner, so they are at most one per input sent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openThreads, readThread, waitFor, writeFleetPlan } from '../../bench/workers/fleet.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { sessionForThread } from '../../src/cli/session.ts';
import { systemClock } from '../../src/core/clock.ts';
import { processIdentity } from '../../src/ownership/identity.ts';
import type { LeaseStore } from '../../src/ownership/lease.ts';
import { openLeaseStore } from '../../src/ownership/open-leases.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { isWrongExpectedVersionError } from '../../src/store/errors.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { startWorker, type Worker } from '../../src/worker/worker.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { compiledModule } from '../cli/helpers.ts';

const THREADS = 40;

interface Tally {
  appends: number;
  conflicts: number;
  /** Appends where the lease holder seen before or after was not this worker. */
  notOwner: string[];
}

/** `store` whose appendToStream checks the lease holder (seen by `observer`) before and after each successful append. */
function recording(store: EventStore, holderId: string, observer: LeaseStore, tally: Tally): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'appendToStream') {
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return async (...args: Parameters<EventStore['appendToStream']>) => {
        const threadId = args[0].replace(/^thread-/, '');
        const before = await observer.holderOf(threadId);
        try {
          const r = await target.appendToStream(...args);
          const after = await observer.holderOf(threadId);
          tally.appends += 1;
          if (before?.id !== holderId || after?.id !== holderId) tally.notOwner.push(`${threadId}: ${holderId} appended; holder before ${before?.id}, after ${after?.id}`);
          return r;
        } catch (err) {
          if (isWrongExpectedVersionError(err)) tally.conflicts += 1;
          throw err;
        }
      };
    },
  });
}

describe('workers: one writer per thread (PostgreSQL)', () => {
  const admin = usePgAdmin(1);
  const schema = schemaName();
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-single-writer-'));
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(admin(), schema);
  });

  it('two workers on the same threads: each append is made by the lease holder; conflicts come only from the append-only writer', async () => {
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    const storeUrl = url.toString();
    // The fleet's actions compiled to JS (test/support/compile-cli.ts): each thread's session loads
    // them with a plain import, cached after the first, instead of through tsx every time.
    const actions = compiledModule('bench/workers/fleet-actions.ts');
    writeFleetPlan(dir, 20, actions);
    const ids = Array.from({ length: THREADS }, (_, i) => `s${i}`);
    await openThreads(storeUrl, dir, ids, actions);
    const observer = await openLeaseStore(storeUrl);
    const parts: Array<{ id: string; store: EventStore; leases: LeaseStore; worker: Worker; tally: Tally; claimed: Set<string> }> = [];
    for (const id of ['wa', 'wb']) {
      const raw = await openEventStore(storeUrl, { codec: factCodec });
      const tally: Tally = { appends: 0, conflicts: 0, notOwner: [] };
      const store = recording(raw, id, observer, tally);
      const leases = await openLeaseStore(storeUrl);
      const identity = processIdentity(id);
      const claimed = new Set<string>();
      const worker = startWorker({
        store,
        leases,
        identity,
        clock: systemClock,
        actions: createActionRegistry([]),
        concurrency: 8,
        pollMs: 100,
        runtimeFor: async (threadId) => (await sessionForThread(store, threadId, { leases, ownership: { mode: 'own', identity, ttlMs: 4000, retryMs: 100 } })).runtime,
        onEvent: (e) => {
          if (e.type === 'claimed') claimed.add(e.threadId);
        },
      });
      parts.push({ id, store: raw, leases, worker, tally, claimed });
    }
    // The append-only writer: a second input to every thread while the workers run them.
    const senderStore = await openEventStore(storeUrl, { codec: factCodec });
    const sender = createRuntime({ store: senderStore, actions: createActionRegistry([]), plannerFor: () => { throw new Error('append mode'); }, ownership: { mode: 'append' } });
    try {
      await waitFor('both workers to claim threads', () => parts.every((p) => p.claimed.size > 0), 120_000);
      for (const id of ids) await sender.send(id, 'again');
      await waitFor('every thread to complete both interactions', async () => {
        for (const id of ids) {
          let done = 0;
          for await (const e of senderStore.readStream(`thread-${id}`)) if (e.type === 'InteractionCompleted') done += 1;
          if (done < 2) return false;
        }
        return true;
      }, 240_000);
    } finally {
      await sender.close();
      await senderStore.close();
      for (const p of parts) await p.worker.stop();
      for (const p of parts) {
        await p.leases.close();
        await p.store.close();
      }
      await observer.close();
    }
    const conflicts = parts.reduce((n, p) => n + p.tally.conflicts, 0);
    console.log(`single writer: ${parts.map((p) => `${p.id} ${p.tally.appends} appends on ${p.claimed.size} threads, ${p.tally.conflicts} WrongExpectedVersionError`).join('; ')}`);
    for (const p of parts) expect(p.tally.notOwner).toEqual([]);
    expect(parts.every((p) => p.tally.appends > 0)).toBe(true);
    expect(conflicts).toBeLessThanOrEqual(THREADS);
    for (const id of ids) {
      const events = await readThread(storeUrl, id);
      expect(events.filter((e) => e.type === 'InteractionFailed')).toEqual([]);
      const keys = events.filter((e) => e.type === 'StepCompleted').map((e) => {
        const d = e.data as { interactionId: string; planId: string; stepId: string };
        return `${d.interactionId}/${d.planId}/${d.stepId}`;
      });
      expect(keys.length).toBeGreaterThanOrEqual(10);
      expect(new Set(keys).size).toBe(keys.length); // no step completed twice
    }
  }, 600_000);
});
