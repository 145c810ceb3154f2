/**
 * Workers benchmark on one PostgreSQL: threads of the 10-step fleet plan (`fleet.ts`: parallel
 * branches, a step that fails once and is retried) completed per second by 1, 2 and 3
 * `orchestral worker` processes, against the single-process runtime (one runtime driving every
 * thread, in this process) on the same server in the same run; then the failover time: 2 workers,
 * one SIGKILLed while it runs threads, time from the kill to the first fact the store records in
 * one of its threads afterwards (the new owner's; facts carry the store's commit time).
 *
 * Rates use the store's commit times: from the first StepStarted to the last InteractionCompleted
 * (process start-up is not counted). Each configuration gets a fresh schema (dropped afterwards).
 * Prints ONE JSON line. Run: `npx tsx bench/workers/index.ts`. Sizes (env): BENCH_THREADS (default 60),
 * BENCH_STEP_MS (each step's wait, default 20), BENCH_CONCURRENCY (threads per worker, default 16),
 * BENCH_TIMEOUT_MS (per configuration, default 240 000). PostgreSQL: ORCHESTRAL_TEST_PG_URL or
 * postgresql://127.0.0.1:5432/test.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createSession } from '../../src/cli/session.ts';
import { plannerFromDescriptor } from '../../src/cli/planner-descriptor.ts';
import { openLeaseStore } from '../../src/ownership/open-leases.ts';
import { withDefaultUser } from '../../src/store/postgres/connection.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { checkFleet, fleetDescriptor, openThreads, spawnWorker, waitFor, writeFleetPlan, type FleetWorker } from './fleet.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { threadStreamId } from '../../src/history/stream.ts';

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
};
const THREADS = env('BENCH_THREADS', 60);
const STEP_MS = env('BENCH_STEP_MS', 20);
const CONCURRENCY = env('BENCH_CONCURRENCY', 16);
const TIMEOUT_MS = env('BENCH_TIMEOUT_MS', 240_000);
const PG_URL = process.env['ORCHESTRAL_TEST_PG_URL'] ?? 'postgresql://127.0.0.1:5432/test';

interface Rate {
  threads: number;
  threadsPerS: number;
  stepsPerS: number;
  seconds: number;
}

/** A fresh schema and workspace for `fn`; both removed afterwards. */
async function fresh<T>(fn: (url: string, dir: string) => Promise<T>): Promise<T> {
  const schema = `orch_b_${randomBytes(6).toString('hex')}`;
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-workers-'));
  try {
    return await fn(url.toString(), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: withDefaultUser(PG_URL) });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${i}`);

/** Reads every thread; the rate between the first StepStarted and the last InteractionCompleted (store commit times). */
async function rateOf(url: string, threads: readonly string[]): Promise<Rate> {
  const store = await openEventStore(url, { codec: factCodec });
  let first = Infinity;
  let last = -Infinity;
  let steps = 0;
  try {
    for (const id of threads) {
      for await (const e of store.readStream(threadStreamId(id))) {
        const at = Date.parse(e.metadata.recordedAt);
        if (e.type === 'StepStarted') first = Math.min(first, at);
        if (e.type === 'InteractionCompleted') last = Math.max(last, at);
        if (e.type === 'StepCompleted') steps += 1;
      }
    }
  } finally {
    await store.close();
  }
  const seconds = (last - first) / 1000;
  return { threads: threads.length, threadsPerS: round(threads.length / seconds), stepsPerS: round(steps / seconds), seconds: round(seconds) };
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** Throws unless every thread completed once per step with a verified replay. */
async function assertCorrect(url: string, dir: string, threads: readonly string[], died: number[]): Promise<void> {
  const c = await checkFleet(url, dir, threads, died);
  const bad = [...c.unfinished, ...c.completedTwiceOrNever, ...c.replayFailed, ...c.ranAfterCompleted];
  if (bad.length > 0) throw new Error(`incorrect run: ${bad.slice(0, 5).join('; ')}`);
}

/** The single-process runtime: one runtime in this process opens and drives every thread. */
async function baseline(): Promise<Rate> {
  return fresh(async (url, dir) => {
    writeFleetPlan(dir, STEP_MS);
    const store = await openEventStore(url, { codec: factCodec });
    const leases = await openLeaseStore(url);
    const descriptor = fleetDescriptor(dir);
    const planner = await plannerFromDescriptor(descriptor, 'baseline');
    const { runtime } = await createSession({ store, workspace: dir, descriptor, planner, leases, ownership: 'own' });
    const threads = ids(THREADS);
    try {
      await Promise.all(threads.map((threadId) => runtime.openThread({ threadId, planner: descriptor, input: { text: 'go' } })));
      await Promise.all(threads.map((t) => runtime.whenSettled(t)));
    } finally {
      await runtime.close();
      await leases.close();
      await store.close();
    }
    await assertCorrect(url, dir, threads, []);
    return rateOf(url, threads);
  });
}

const stopAll = async (workers: FleetWorker[]): Promise<void> => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
};

/** `n` worker processes run THREADS threads opened beforehand without an owner. */
async function withWorkers(n: number): Promise<Rate> {
  return fresh(async (url, dir) => {
    writeFleetPlan(dir, STEP_MS);
    const threads = ids(THREADS);
    await openThreads(url, dir, threads);
    const workers = Array.from({ length: n }, (_, i) => spawnWorker(url, `w${i + 1}`, dir, { concurrency: CONCURRENCY }));
    try {
      await waitFor(`${n} workers to complete ${THREADS} threads`, () => new Set(workers.flatMap((w) => [...w.released])).size >= THREADS, TIMEOUT_MS);
    } finally {
      await stopAll(workers);
    }
    await assertCorrect(url, dir, threads, []);
    return rateOf(url, threads);
  });
}

/** 2 workers; the one running threads is SIGKILLed once a quarter of them settled. Milliseconds from the kill to the first fact recorded after it in a thread it held. */
async function failover(): Promise<{ ms: number; threadsCut: number }> {
  return fresh(async (url, dir) => {
    writeFleetPlan(dir, STEP_MS);
    const threads = ids(THREADS);
    await openThreads(url, dir, threads);
    const workers = [1, 2].map((i) => spawnWorker(url, `f${i}`, dir, { concurrency: CONCURRENCY }));
    const settled = (): number => new Set(workers.flatMap((w) => [...w.released])).size;
    try {
      await waitFor('a quarter of the threads to settle', () => settled() >= THREADS / 4, TIMEOUT_MS);
      const victim = workers.find((w) => w.claimed.length > w.released.size) ?? workers[0]!;
      const cut = [...new Set(victim.claimed.filter((t) => !victim.released.has(t)))];
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      await waitFor('every thread to complete', () => settled() >= THREADS, TIMEOUT_MS);
      await stopAll(workers);
      await assertCorrect(url, dir, threads, [victim.pid]);
      const store = await openEventStore(url, { codec: factCodec });
      let firstAfter = Infinity;
      try {
        for (const id of cut) {
          const events: RecordedEvent[] = [];
          for await (const e of store.readStream(threadStreamId(id))) events.push(e);
          const next = events.map((e) => Date.parse(e.metadata.recordedAt)).find((at) => at > killedAt);
          if (next !== undefined) firstAfter = Math.min(firstAfter, next);
        }
      } finally {
        await store.close();
      }
      return { ms: firstAfter - killedAt, threadsCut: cut.length };
    } finally {
      await stopAll(workers);
    }
  });
}

const started = Date.now();
const singleProcess = await baseline();
const w1 = await withWorkers(1);
const w2 = await withWorkers(2);
const w3 = await withWorkers(3);
const fo = await failover();
console.log(
  JSON.stringify({
    bench: 'workers',
    store: 'postgres',
    cores: cpus().length,
    threads: THREADS,
    stepsPerThread: 10,
    stepMs: STEP_MS,
    concurrencyPerWorker: CONCURRENCY,
    singleProcess,
    workers1: w1,
    workers2: w2,
    workers3: w3,
    failoverMs: fo.ms,
    failoverThreadsCut: fo.threadsCut,
    totalSeconds: round((Date.now() - started) / 1000),
  }),
);
