/**
 * The lease contract: behaviours every LeaseStore adapter must show. Adapter test files call
 * `runLeaseContract(name, factory)`; this file holds no test of its own.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from '../../src/core/clock.ts';
import { processIdentity } from '../../src/ownership/identity.ts';
import type { HolderIdentity, LeaseStore } from '../../src/ownership/lease.ts';

/** Lease stores on one shared backing (same table, file or schema), each like a separate process. */
export interface LeaseFixture {
  /** A new lease store instance (own connection where the adapter has one) on the shared backing. */
  open(): LeaseStore;
  clock: SimulatedClock;
  /** Ends the connection of the holder of thread 't' as a crash would (PostgreSQL: the server terminates the session). */
  crash?(): Promise<void>;
  teardown(): Promise<void>;
}

/** A fresh fixture per test. */
export type LeaseFactory = () => Promise<LeaseFixture>;

const TTL = 10_000;
const who = (name: string, over: Partial<HolderIdentity> = {}): HolderIdentity => ({ ...processIdentity(), id: name, ...over });

/** The pid of a process that has exited (spawned and waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  if (r.pid === undefined) throw new Error('could not spawn a child process');
  return r.pid;
}

/**
 * Registers the contract for one adapter. `kind`: `expiring` (memory, SQLite: leases end by expiry
 * or with a dead local pid) or `session` (PostgreSQL: leases end with the holder's connection);
 * each kind gets the tests of how its leases end.
 */
export function runLeaseContract(name: string, factory: LeaseFactory, kind: 'expiring' | 'session'): void {
  describe(`LeaseStore contract: ${name}`, () => {
    let fx: LeaseFixture | undefined;
    const stores: LeaseStore[] = [];
    const setup = async (): Promise<{ fx: LeaseFixture; open(): LeaseStore }> => {
      fx = await factory();
      const f = fx;
      return {
        fx: f,
        open: () => {
          const s = f.open();
          stores.push(s);
          return s;
        },
      };
    };
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      await fx?.teardown();
      fx = undefined;
    });

    it('one holder at a time: the first acquire wins, the second is told who holds it', async () => {
      const { fx, open } = await setup();
      const [a, b] = [open(), open()];
      const ra = await a.acquire('t1', who('A'), TTL);
      // exactly the identity's fields and the times, nothing lost or added
      expect(ra).toEqual({ acquired: true, holder: { ...who('A'), acquiredAtMs: fx.clock.now(), expiresAtMs: fx.clock.now() + TTL } });
      const rb = await b.acquire('t1', who('B'), TTL);
      expect(rb.acquired).toBe(false);
      expect(rb.holder?.id).toBe('A');
      expect((await b.holderOf('t1'))?.id).toBe('A');
      expect((await b.list()).map((l) => [l.threadId, l.holder.id])).toEqual([['t1', 'A']]);
      // another thread is independent
      expect((await b.acquire('t2', who('B'), TTL)).acquired).toBe(true);
      expect((await a.list()).map((l) => [l.threadId, l.holder.id])).toEqual([
        ['t1', 'A'],
        ['t2', 'B'],
      ]);
    });

    it('racing acquires of one thread from many instances: exactly one wins', async () => {
      const { open } = await setup();
      const contenders = Array.from({ length: 6 }, (_, i) => ({ s: open(), id: `H${i}` }));
      const results = await Promise.all(contenders.map((c) => c.s.acquire('race', who(c.id), TTL)));
      expect(results.filter((r) => r.acquired)).toHaveLength(1);
    });

    it('the holder re-acquires and renews (acquiredAtMs kept, expiry moved); others cannot renew', async () => {
      const { fx, open } = await setup();
      const [a, b] = [open(), open()];
      const t0 = fx.clock.now();
      await a.acquire('t', who('A'), TTL);
      fx.clock.increment(1000);
      const again = await a.acquire('t', who('A'), TTL);
      expect(again).toMatchObject({ acquired: true, holder: { acquiredAtMs: t0 } });
      fx.clock.increment(1000);
      expect(await a.renew('t', 'A', TTL)).toMatchObject({ id: 'A', acquiredAtMs: t0, expiresAtMs: fx.clock.now() + TTL });
      expect(await b.renew('t', 'B', TTL)).toBeUndefined();
      expect(await b.renew('free', 'B', TTL)).toBeUndefined();
    });

    it('release frees the lease (only its holder can release it)', async () => {
      const { open } = await setup();
      const [a, b] = [open(), open()];
      await a.acquire('t', who('A'), TTL);
      await b.release('t', 'B');
      expect((await b.acquire('t', who('B'), TTL)).acquired).toBe(false);
      await a.release('t', 'A');
      expect(await b.holderOf('t')).toBeUndefined();
      expect((await b.acquire('t', who('B'), TTL)).acquired).toBe(true);
      expect(await a.renew('t', 'A', TTL)).toBeUndefined();
    });

    it('close gives up the leases taken through that instance', async () => {
      const { open } = await setup();
      const [a, b] = [open(), open()];
      await a.acquire('t', who('A'), TTL);
      await a.close();
      expect(await b.holderOf('t')).toBeUndefined();
      expect((await b.acquire('t', who('B'), TTL)).acquired).toBe(true);
    });

    /** `it` for the tests of one kind of adapter; not registered at all for the other kind. */
    const only = (k: typeof kind): typeof it => (k === kind ? it : ((() => undefined) as unknown as typeof it));
    const expiring = only('expiring');
    const session = only('session');
    expiring('an expired lease is free and its old holder cannot renew it', async () => {
      const { fx, open } = await setup();
      const [a, b] = [open(), open()];
      await a.acquire('t', who('A', { host: 'elsewhere', bootId: 'other-boot' }), TTL);
      fx.clock.increment(TTL - 1);
      expect((await b.acquire('t', who('B'), TTL)).acquired).toBe(false);
      fx.clock.increment(1);
      expect(await b.holderOf('t')).toBeUndefined();
      expect((await b.acquire('t', who('B'), TTL)).acquired).toBe(true);
      expect(await a.renew('t', 'A', TTL)).toBeUndefined();
    });

    const withBootId = processIdentity().bootId === '' ? it.skip : expiring; // no /proc boot id: not Linux
    withBootId('a lease held by a process of this machine that no longer exists is taken over at once', async () => {
      const { open } = await setup();
      const [a, b] = [open(), open()];
      await a.acquire('t', who('A', { pid: deadPid() }), TTL);
      expect(await b.holderOf('t')).toBeUndefined();
      expect((await b.acquire('t', who('B'), TTL)).acquired).toBe(true);
      // the same pid on another machine (other boot id) is not judged dead: it holds until it expires
      await b.release('t', 'B');
      await a.acquire('u', who('A2', { pid: deadPid(), bootId: 'other-boot' }), TTL);
      expect((await b.acquire('u', who('B'), TTL)).acquired).toBe(false);
    });

    session("a holder whose connection dies loses the lease at once and can't renew it", async () => {
      const { fx, open } = await setup();
      const [a, b] = [open(), open()];
      await a.acquire('t', who('A'), TTL);
      await fx.crash!();
      expect(await b.holderOf('t')).toBeUndefined();
      expect((await b.acquire('t', who('B'), TTL)).acquired).toBe(true);
      expect(await a.renew('t', 'A', TTL)).toBeUndefined();
    });
  });
}
