/**
 * Failover on PostgreSQL: 3 `orchestral worker` processes run 60 threads (`FAILOVER_THREADS`, e.g.
 * 200 for the soak; with 60, each worker still has threads in flight at the kill) of a 10-step plan
 * (parallel branches, a step that fails once and is retried after a backoff timer). One worker is
 * SIGKILLed mid-way, later a second one is SIGTERMed; the third finishes. Every thread completes,
 * each step is completed once, no step ran again after its result was recorded (side-effect log),
 * none ran again after an execution that ended before the SIGTERM was sent (its result was recorded
 * on the way out; an execution ending while the worker stops has its result dropped, at-least-once), attempts cut by the kill ran again with the same idempotency key, and `replayThread(…, { verify })`
 * passes for every thread. The test prints how many threads each worker ran.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFleet, openThreads, readThread, sideEffectLines, spawnWorker, waitFor, writeFleetPlan, type FleetWorker } from '../../bench/workers/fleet.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { BIN, compiledModule } from '../cli/helpers.ts';

const THREADS = Number(process.env['FAILOVER_THREADS'] ?? 60);
/** pg@8 warns (once per process) when the lease store's one client gets a query while another runs; pg queues it. */
const PG_CONCURRENT_QUERY_WARNING = /DeprecationWarning: Calling client\.query\(\) when the client is already executing a query|--trace-deprecation/;

describe('workers: failover on PostgreSQL', () => {
  const admin = usePgAdmin(1);
  const schema = schemaName();
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-failover-'));
  const workers: FleetWorker[] = [];
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.done));
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(admin(), schema);
  });

  it('a SIGKILLed and a SIGTERMed worker lose their threads to the others; every thread completes, once per step', async () => {
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    const store = url.toString();
    // The compiled CLI and action module (test/support/compile-cli.ts): no tsx in the workers.
    const actions = compiledModule('bench/workers/fleet-actions.ts');
    writeFleetPlan(dir, 20, actions);
    const ids = Array.from({ length: THREADS }, (_, i) => `t${String(i).padStart(3, '0')}`);
    await openThreads(store, dir, ids, actions);
    for (const id of ['w1', 'w2', 'w3']) workers.push(spawnWorker(store, id, dir, { concurrency: 16, pollMs: 200, leaseTtlMs: 4000, bin: BIN }));
    const finished = (): number => new Set(workers.flatMap((w) => [...w.released])).size;
    // A thread the killed worker completed right before its death is settled but never released by
    // anyone (no worker needs to run it again): the store decides for those.
    let lastStoreCheck = 0;
    const allSettled = async (): Promise<boolean> => {
      if (finished() >= THREADS) return true;
      if (Date.now() - lastStoreCheck < 2000) return false;
      lastStoreCheck = Date.now();
      const released = new Set(workers.flatMap((w) => [...w.released]));
      for (const id of ids.filter((t) => !released.has(t))) {
        if ((await readThread(store, id)).at(-1)?.type !== 'InteractionCompleted') return false;
      }
      return true;
    };
    await waitFor('a third of the threads to settle', () => finished() >= THREADS / 3, 180_000);
    // SIGKILL a worker that is running threads right now: one with at least two claimed and not
    // released, so that a "released" line still in its stdout pipe when it dies cannot leave the cut
    // holding only threads it had in fact finished (nobody would ever claim them).
    const running = (w: FleetWorker): number => w.claimed.filter((t) => !w.released.has(t)).length;
    await waitFor('a worker running at least two threads', () => workers.some((w) => running(w) >= 2), 60_000);
    const victim = workers.find((w) => running(w) >= 2)!;
    const cut = new Set(victim.claimed.filter((t) => !victim.released.has(t)));
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const others = workers.filter((w) => w !== victim);
    const takeoverMs = await waitFor('another worker to claim a thread the killed one ran', () => others.some((w) => w.claimed.some((t) => cut.has(t))), 30_000);
    expect(takeoverMs).toBeLessThanOrEqual(10_000);
    await waitFor('two thirds of the threads to settle', () => finished() >= (2 * THREADS) / 3, 180_000);
    const stopped = others[0]!;
    // executions that end after this line may end while the stop is under way (their results are dropped)
    const stoppedAtLine = sideEffectLines(dir);
    stopped.child.kill('SIGTERM');
    const term = await stopped.done;
    expect(term.code).toBe(0);
    expect(stopped.stderr().split('\n').filter((l) => l !== '' && !PG_CONCURRENT_QUERY_WARNING.test(l))).toEqual([]);
    const last = others[1]!;
    try {
      await waitFor('every thread to settle', allSettled, 240_000);
    } catch (err) {
      const releasedNow = new Set(workers.flatMap((w) => [...w.released]));
      for (const id of ids.filter((t) => !releasedNow.has(t)).slice(0, 5)) {
        const facts = (await readThread(store, id)).slice(-4).map((e) => e.type);
        const said = workers.flatMap((w) => w.stdout().split('\n').filter((l) => l.includes(` ${id}`)));
        console.log(`not settled ${id}: last facts ${facts.join(', ')}; workers said: ${said.slice(-6).join(' | ')}`);
      }
      console.log(`last worker stderr: ${last.stderr().slice(0, 2000)}`);
      throw err;
    }
    last.child.kill('SIGTERM');
    expect((await last.done).code).toBe(0);
    await victim.done;

    const check = await checkFleet(store, dir, ids, [victim.pid], [stopped.pid], stoppedAtLine);
    const ran = Object.fromEntries(workers.map((w) => [w.id, w.released.size]));
    console.log(
      `failover: threads run to the end per worker ${JSON.stringify(ran)}; killed ${victim.id} (${cut.size} threads cut, taken over in ${takeoverMs} ms, ${Date.now() - killedAt} ms ago), terminated ${stopped.id}; ` +
        `${check.executions} executions, ${check.attemptsRerun} attempts re-run with the same key, ${check.rerunAfterLostResult} steps re-run after a result lost with the killed worker, ${check.rerunAfterStop} after one the stopped worker had not recorded (before its stop), ${check.rerunAfterStopping} after one that ended while it stopped`,
    );
    expect(check.unfinished).toEqual([]);
    expect(check.completedTwiceOrNever).toEqual([]);
    expect(check.replayFailed).toEqual([]);
    expect(check.ranAfterCompleted).toEqual([]);
    // SIGTERM records the results that arrived before it was sent before handing threads back (only
    // SIGKILL loses those); runs still going when the stop begins are dropped and run again.
    expect(check.rerunAfterStop).toBe(0);
    // Each thread ran its 10 steps + one failed attempt of `c`; a re-run needs a dead or stopping process.
    expect(check.executions).toBeGreaterThanOrEqual(THREADS * 11);
    // A thread completed by the killed worker just before its death is never released by anyone, so
    // per-worker release counts may sum to less than THREADS; `check.unfinished` is the real check.
    expect(Object.values(ran).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(last.released.size).toBeGreaterThan(0);
  }, 600_000);
});
