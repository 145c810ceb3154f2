/**
 * Event store benchmark: the SQLite adapter against a raw better-sqlite3 loop doing the same
 * inserts/selects on the same schema with the same pragmas (`connectionPragmas('sync')`: WAL,
 * synchronous=FULL, temp_store=MEMORY), in the same run.
 * Prints ONE JSON line (events/s, higher is better; ratio = store / raw):
 * - appendSingle: one event per append, each awaited (one transaction + fsync each) vs. raw
 *   autocommit inserts.
 * - appendBatched: 100 events per append (exact expectedRevision) vs. raw 100-insert transactions.
 * - appendConcurrent: WRITERS actors each appending single events to their own stream, awaiting
 *   each — group commit coalesces them — vs. the raw one-per-transaction rate.
 * - readAll / readStream: replay of everything written, decoded and validated through the fact
 *   codec, vs. a raw select + JSON.parse of the same rows.
 * - checksum: the per-event integrity cost on its own (sha256 of the chained canonical text, as
 *   appends compute and reads verify it), µs per event, next to the raw read's µs per event.
 * Every figure is given in wall time and in CPU time (`cpu`: user + system of this process, which a
 * busy shared machine disturbs much less than wall time; the disk wait of fsync is not CPU time).
 * Targets: appendBatched ≥ 0.7×, readAll ≥ 0.5× (wall time).
 *
 * Run: `npx tsx bench/store/index.ts`. Sizes (env): BENCH_SINGLE (default 1500 events),
 * BENCH_BATCHES (300 batches of 100), BENCH_WRITERS (16), BENCH_CONCURRENT (150 appends per
 * writer), BENCH_ROUNDS (4; each figure is the best round, raw and store alternating).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { prepareAppend } from '../../src/store/codec.ts';
import { NO_STREAM, type EventData } from '../../src/store/event-store.ts';
import { chainChecksums } from '../../src/store/integrity.ts';
import { connectionPragmas } from '../../src/store/sqlite/open-database.ts';
import { MIGRATIONS } from '../../src/store/sqlite/schema.ts';
import { getSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { benchFact } from './facts.ts';

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
};
const SINGLE = env('BENCH_SINGLE', 1500);
const BATCHES = env('BENCH_BATCHES', 300);
const BATCH = 100;
const WRITERS = env('BENCH_WRITERS', 16);
const CONCURRENT = env('BENCH_CONCURRENT', 150);
const ROUNDS = env('BENCH_ROUNDS', 4);

const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-store-'));
let fileSeq = 0;
const newFile = (): string => join(dir, `f${fileSeq++}.db`);

/** Pre-built facts (ids fresh per use) so generation is not timed. */
const facts = (n: number, from = 0): EventData[] => Array.from({ length: n }, (_, i) => benchFact(from + i));

/** CPU seconds (user + system) this process has used. */
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The CPU-time rate (events per CPU second) of the last `rate` call. */
let lastCpuRate = 0;

/** events/s of `fn` that handles `count` events, in wall time; its CPU-time rate is left in `lastCpuRate`. */
async function rate(count: number, fn: () => Promise<void> | void): Promise<number> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await fn();
  const wall = count / ((performance.now() - t0) / 1000);
  lastCpuRate = count / Math.max(cpuSeconds() - c0, 1e-9);
  return wall;
}


// ---- raw better-sqlite3 -------------------------------------------------------------------------

function rawDb(): Database.Database {
  const db = new Database(newFile());
  for (const pragma of connectionPragmas('sync')) db.pragma(pragma); // the store's own pragmas
  for (const m of MIGRATIONS) m.up(db);
  return db;
}

/** The same row shape the store writes: data JSON, metadata JSON with schemaVersion, recorded_at. */
function rawInserter(db: Database.Database): (streamId: string, revision: number, e: EventData, at: string) => void {
  const insert = db.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return (streamId, revision, e, at) =>
    void insert.run(streamId, revision, e.id, e.type, JSON.stringify(e.data), JSON.stringify({ ...e.metadata, schemaVersion: 1 }), at);
}

function rawSingle(events: EventData[]): Promise<number> {
  const db = rawDb();
  const insert = rawInserter(db);
  return rate(events.length, () => {
    events.forEach((e, i) => insert('single', i, e, new Date().toISOString()));
  }).finally(() => db.close());
}

function rawBatched(batches: EventData[][]): { rate: Promise<number>; db: Database.Database } {
  const db = rawDb();
  const insert = rawInserter(db);
  const tx = db.transaction((batch: EventData[], streamId: string, base: number) => {
    const at = new Date().toISOString();
    batch.forEach((e, i) => insert(streamId, base + i, e, at));
  });
  const next = new Map<string, number>();
  return {
    db,
    rate: rate(batches.length * BATCH, () => {
      batches.forEach((batch, k) => {
        const streamId = `bench-${k % 10}`;
        const base = next.get(streamId) ?? 0;
        tx(batch, streamId, base);
        next.set(streamId, base + batch.length);
      });
    }),
  };
}

type RawRow = [bigint, string, bigint, string, string, string, string, string];

/** Raw replay: every row in position order (or one stream's), JSON parsed into a plain event. */
function rawRead(db: Database.Database, streamId?: string): number {
  const sql = 'SELECT position, stream_id, revision, id, type, data, metadata, recorded_at FROM events';
  const stmt = streamId === undefined
    ? db.prepare(`${sql} ORDER BY position`).raw(true).safeIntegers(true)
    : db.prepare(`${sql} WHERE stream_id = ? ORDER BY revision`).raw(true).safeIntegers(true);
  let n = 0;
  for (const r of (streamId === undefined ? stmt.iterate() : stmt.iterate(streamId)) as IterableIterator<RawRow>) {
    const meta = JSON.parse(r[6]) as Record<string, unknown>;
    const event = { position: r[0], streamId: r[1], revision: r[2], id: r[3], type: r[4], data: JSON.parse(r[5]) as unknown, metadata: { ...meta, recordedAt: r[7] } };
    if (event.id.length > 0) n++;
  }
  return n;
}

// ---- the store ----------------------------------------------------------------------------------

const openStore = (path = newFile()): SqliteEventStore => getSqliteEventStore({ path, durability: 'sync', codec: factCodec });

async function storeSingle(events: EventData[]): Promise<number> {
  const store = openStore();
  try {
    return await rate(events.length, async () => {
      for (const e of events) await store.appendToStream('single', [e]);
    });
  } finally {
    await store.close();
  }
}

async function storeBatched(batches: EventData[][], path: string): Promise<number> {
  const store = openStore(path);
  const next = new Map<string, bigint>();
  try {
    return await rate(batches.length * BATCH, async () => {
      for (const [k, batch] of batches.entries()) {
        const streamId = `bench-${k % 10}`;
        const r = await store.appendToStream(streamId, batch, { expectedRevision: next.get(streamId) ?? NO_STREAM });
        next.set(streamId, r.nextExpectedRevision);
      }
    });
  } finally {
    await store.close();
  }
}

async function storeConcurrent(): Promise<{ rate: number; commits: number; appends: number }> {
  const store = openStore();
  const work = Array.from({ length: WRITERS }, (_, w) => facts(CONCURRENT, w * CONCURRENT));
  try {
    const before = store.stats();
    const r = await rate(WRITERS * CONCURRENT, async () => {
      await Promise.all(
        work.map(async (events, w) => {
          let rev: bigint | undefined;
          for (const e of events) rev = (await store.appendToStream(`actor-${w}`, [e], { expectedRevision: rev ?? NO_STREAM })).nextExpectedRevision;
        }),
      );
    });
    const after = store.stats();
    return { rate: r, commits: after.commits - before.commits, appends: after.appends - before.appends };
  } finally {
    await store.close();
  }
}

async function storeRead(path: string, streamId?: string): Promise<number> {
  const store = openStore(path);
  let n = 0;
  try {
    for await (const e of streamId === undefined ? store.readAll() : store.readStream(streamId)) if (e.id.length > 0) n++;
    return n;
  } finally {
    await store.close();
  }
}

// ---- run ----------------------------------------------------------------------------------------

const best = (xs: number[]): number => Math.max(...xs);
const round1 = (x: number): number => Math.round(x);
const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

/** Wall and CPU rates of one kind of run, per round. */
interface Series {
  raw: number[];
  store: number[];
  rawCpu: number[];
  storeCpu: number[];
}
const series = (): Series => ({ raw: [], store: [], rawCpu: [], storeCpu: [] });
/** Records a wall rate and the CPU rate `rate` left behind. */
const push = (s: Series, side: 'raw' | 'store', wall: number): void => {
  s[side].push(wall);
  s[side === 'raw' ? 'rawCpu' : 'storeCpu'].push(lastCpuRate);
};

/** µs of CPU per event of the integrity checksum alone (chained over the bench facts, as append and read do). */
function checksumCost(events: EventData[]): number {
  const prepared = prepareAppend('bench-0', events, factCodec);
  const at = new Date().toISOString();
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const c0 = cpuSeconds();
    chainChecksums('bench-0', undefined, prepared, at);
    best = Math.min(best, ((cpuSeconds() - c0) * 1e6) / prepared.length);
  }
  return Math.round(best * 100) / 100;
}

async function main(): Promise<void> {
  const singles = series();
  const batched = series();
  const readAll = series();
  const readStream = series();
  const concurrent: Array<{ rate: number; commits: number; appends: number }> = [];
  // warm-up (JIT, page cache), not measured
  await storeBatched([facts(BATCH)], newFile());
  await rawSingle(facts(50));

  for (let round = 0; round < ROUNDS; round++) {
    push(singles, 'raw', await rawSingle(facts(SINGLE)));
    push(singles, 'store', await storeSingle(facts(SINGLE)));

    const rawBatches = Array.from({ length: BATCHES }, (_, k) => facts(BATCH, k * BATCH));
    const raw = rawBatched(rawBatches);
    push(batched, 'raw', await raw.rate);
    const storeBatches = Array.from({ length: BATCHES }, (_, k) => facts(BATCH, k * BATCH));
    const storePath = newFile();
    push(batched, 'store', await storeBatched(storeBatches, storePath));

    concurrent.push(await storeConcurrent());

    const total = BATCHES * BATCH;
    const perStream = Math.ceil(BATCHES / 10) * BATCH;
    push(readAll, 'raw', await rate(total, () => void rawRead(raw.db)));
    push(readAll, 'store', await rate(total, async () => void (await storeRead(storePath))));
    push(readStream, 'raw', await rate(perStream, () => void rawRead(raw.db, 'bench-0')));
    push(readStream, 'store', await rate(perStream, async () => void (await storeRead(storePath, 'bench-0'))));
    raw.db.close();
  }

  const bestConcurrent = concurrent.reduce((a, b) => (b.rate > a.rate ? b : a));
  const fig = (x: Series) => ({
    store: round1(best(x.store)),
    raw: round1(best(x.raw)),
    ratio: ratio(best(x.store), best(x.raw)),
    cpu: { store: round1(best(x.storeCpu)), raw: round1(best(x.rawCpu)), ratio: ratio(best(x.storeCpu), best(x.rawCpu)) },
  });
  const rawReadUs = Math.round((1e6 / best(readAll.rawCpu)) * 100) / 100;
  const result = {
    bench: 'store',
    unit: 'events/s',
    pragmas: connectionPragmas('sync'),
    sqlite: (new Database(':memory:').prepare('SELECT sqlite_version()').pluck().get() as string),
    node: process.version,
    sizes: { single: SINGLE, batches: BATCHES, batchSize: BATCH, writers: WRITERS, appendsPerWriter: CONCURRENT, rounds: ROUNDS },
    appendSingle: fig(singles),
    appendBatched: fig(batched),
    appendConcurrent: {
      store: round1(bestConcurrent.rate),
      rawSingle: round1(best(singles.raw)),
      ratio: ratio(bestConcurrent.rate, best(singles.raw)),
      appendsPerCommit: Math.round((bestConcurrent.appends / bestConcurrent.commits) * 10) / 10,
    },
    readAll: fig(readAll),
    readStream: fig(readStream),
    checksum: { usPerEvent: checksumCost(facts(BATCHES * BATCH)), rawReadUsPerEvent: rawReadUs },
    targets: {
      appendBatched: { min: 0.7, met: best(batched.store) / best(batched.raw) >= 0.7 },
      readAll: { min: 0.5, met: best(readAll.store) / best(readAll.raw) >= 0.5 },
    },
  };
  console.log(JSON.stringify(result));
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
