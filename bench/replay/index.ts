/**
 * bench/replay: rehydrating a 100k-fact thread from the SQLite store.
 * - `full`: `replayThread` (store read with decode + schema validation + upcasting, then the fold);
 * - `runtimeLoad`: a fresh runtime's `load` (the same fold, plus effect bookkeeping);
 * - `snapshot`: `replayThread` from a SQLite snapshot cache entry 1 000 facts before the end;
 * - `raw` (baseline, same run): `SELECT data` + `JSON.parse` + the same fold, no store layer;
 * - `cacheLoad`: decoding that entry alone, in the cache's entry format from its UTF-8 bytes, as the
 *   SQLite cache reads it (`entryMs`: snapshot-cache-format.ts, which makes interactions and steps on
 *   first read; `entryAllActorsMs`: the same and every actor read) and in the plain persisted JSON
 *   the first cache wrote (`persistedJsonMs`: `JSON.parse` + `restoreThreadState`, every actor made),
 *   median of 5 each, with their sizes (`entryBytes`: UTF-8 bytes; `persistedJsonChars`: UTF-16 code
 *   units, ASCII here) and the ratio of the two paths that make every actor;
 * - `firstAppendAfterLoad`: decoding that entry, applying the next fact of the log in a fold session
 *   and taking the state hash (what a runtime does for its first append after loading from the
 *   cache: `rehydrateThread`, then the draft's `snapshotHash`), from an entry carrying the saved
 *   state's hash accumulator (`withAccumulatorMs`: the runtime saves states it hashed) and from the
 *   same entry without it (`withoutAccumulatorMs`: entries written before the field, or of a state
 *   never hashed; the first hash digests, and so makes, every actor). 7 rounds alternating the two,
 *   after one warm-up each; medians and [min, max] ranges; both check the hash against the fold's.
 * Each state is hashed (after its timing, checking that every path reached the same state) and
 * dropped before the next measurement (a rehydrating runtime holds one).
 * `full`, `raw` and `snapshot` each run once unmeasured (JIT warm-up), then 3 rounds alternating
 * them; each figure is the median of its rounds (the first full fold of a fresh process also
 * compiles the fold's code, which would count against `full` alone).
 * Targets: full ≥ 0.5× raw facts/s; from snapshot ≤ 5% of the full fold's time.
 * The history is synthetic but legal: 2 500 interactions of one 10-step plan each (40 facts each).
 *
 * Run: `npx tsx bench/replay/index.ts` → one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { randomIds } from '../../src/core/ids.ts';
import type { Fact, FactInput } from '../../src/facts/fact-types.ts';
import { syntheticInteractionFacts, threadOpenedFact } from '../support/synthetic-thread.ts';
import { replayThread } from '../../src/history/replay.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { decodeThreadState, encodeThreadState } from '../../src/history/snapshot-cache/snapshot-cache-format.ts';
import { openSqliteSnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache-sqlite.ts';
import { restoreThreadState, serializeThreadState, type SerializedThreadState } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { applyFacts, foldSession, hashThreadState, initialThreadState } from '../../src/history/fold/thread-state.ts';
import { historyFacts } from '../../src/history/read.ts';
import { threadStreamId } from '../../src/history/stream.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const INTERACTIONS = 2_500;
const STEPS = 10;
const T0 = Date.UTC(2026, 0, 1);
/** Measured rounds of each path (after one warm-up run each); figures are medians. */
const ROUNDS = 3;

const interactionFacts = (n: number): FactInput[] => syntheticInteractionFacts(n, STEPS, 'bench', T0 + n);

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-replay-'));
try {
  const path = join(dir, 'events.db');
  const store = getSqliteEventStore({ codec: factCodec, path, durability: 'normal' });
  const threadId = 'long';
  let rev = -1n;
  const append = async (facts: FactInput[]) => {
    const events = facts.map((f) => ({ id: randomIds.uuid(), type: f.type, data: f.data }));
    rev = (await store.appendToStream(threadStreamId(threadId), events, { expectedRevision: rev < 0n ? 'no_stream' : rev })).nextExpectedRevision;
  };
  await append([threadOpenedFact(threadId)]);
  let batch: FactInput[] = [];
  for (let n = 1; n <= INTERACTIONS; n++) {
    batch.push(...interactionFacts(n));
    if (batch.length >= 2_000) {
      await append(batch);
      batch = [];
    }
  }
  if (batch.length) await append(batch);
  const total = Number(rev) + 1;

  // full fold through the store
  const full = async (): Promise<{ s: number; hash: string }> => {
    const t = process.hrtime.bigint();
    const state = await replayThread(store, threadId);
    const s = seconds(t);
    return { s, hash: hashThreadState(state) };
  };

  // baseline: raw rows + JSON.parse + the same fold
  const db = new Database(path, { readonly: true });
  const raw = (): { s: number; hash: string } => {
    const t = process.hrtime.bigint();
    const rows = db.prepare('SELECT type, data FROM events WHERE stream_id = ? ORDER BY revision').iterate(threadStreamId(threadId)) as Iterable<{ type: string; data: string }>;
    let state = initialThreadState(threadId);
    let facts: Fact[] = [];
    for (const row of rows) {
      facts.push({ type: row.type, data: JSON.parse(row.data) } as Fact);
      if (facts.length >= 512) {
        state = applyFacts(state, facts);
        facts = [];
      }
    }
    state = applyFacts(state, facts);
    const s = seconds(t);
    return { s, hash: hashThreadState(state) };
  };

  // from a cached snapshot 1 000 facts before the end
  const cache = openSqliteSnapshotCache(join(dir, 'snapshots.db'));
  let at = await replayThread(store, threadId, { toRevision: rev - 1_000n });
  await cache.save(at);
  const snapshot = async (): Promise<{ s: number; hash: string }> => {
    const t = process.hrtime.bigint();
    const state = await replayThread(store, threadId, { snapshotCache: cache });
    const s = seconds(t);
    return { s, hash: hashThreadState(state) };
  };

  // One unmeasured run of each path, then ROUNDS rounds alternating them: each figure is the
  // median of its rounds, every path measured warm and in the same minutes as the others.
  const hashes: string[] = [];
  const fullRuns: number[] = [];
  const rawRuns: number[] = [];
  const snapRuns: number[] = [];
  await full();
  raw();
  await snapshot();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [runs, r] of [
      [fullRuns, await full()],
      [rawRuns, raw()],
      [snapRuns, await snapshot()],
    ] as const) {
      runs.push(r.s);
      hashes.push(r.hash);
    }
  }
  db.close();
  const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fullS = mid(fullRuns);
  const rawS = mid(rawRuns);
  const snapS = mid(snapRuns);

  // the fact after the entry's state (the first append after a load)
  let nextFact: Fact | undefined;
  for await (const f of historyFacts(store, threadId, { fromRevision: at.revision + 1n, toRevision: at.revision + 1n })) nextFact = { type: f.type, data: f.data } as Fact;
  if (nextFact === undefined) throw new Error('no fact after the entry');

  // the runtime's rehydration
  const rt = createRuntime({ store, actions: createActionRegistry(), plannerFor: () => ({ plan: () => Promise.reject(new Error('unused')) }) });
  const t = process.hrtime.bigint();
  hashes.push(hashThreadState(summaryState(await rt.load(threadId))));
  const loadS = seconds(t);
  await rt.close();
  await cache.close();
  await store.close();

  // the entry alone: current format vs the plain persisted JSON of format 1
  const entryBytes = Buffer.from(encodeThreadState(at), 'utf8'); // `at` not hashed yet: no accumulator
  const persistedText = JSON.stringify(serializeThreadState(at));
  const atHash = hashThreadState(at);
  const entryWithAccBytes = Buffer.from(encodeThreadState(at), 'utf8'); // `at` hashed: with its accumulator
  if (entryBytes.includes('hashAccV2') || !entryWithAccBytes.includes('hashAccV2')) throw new Error('entries with and without the accumulator expected');
  const nextHash = hashThreadState(applyFacts(at, [nextFact]));
  at = initialThreadState(threadId);
  const median = (decode: () => unknown): number => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      const s = decode() as Parameters<typeof hashThreadState>[0];
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (hashThreadState(s) !== atHash) throw new Error('a decoded entry differs from the fold');
    }
    return +ms.sort((a, b) => a - b)[2]!.toFixed(1);
  };
  const entryMs = median(() => decodeThreadState(entryBytes));
  const entryAllActorsMs = median(() => {
    const s = decodeThreadState(entryBytes)!;
    void Object.values(s.interactions);
    void Object.values(s.steps);
    return s;
  });
  const persistedJsonMs = median(() => restoreThreadState(JSON.parse(persistedText) as SerializedThreadState, {}, { owned: true, actorRefs: false }));

  // load from an entry + the first append's state hash, with and without the accumulator, alternated
  const firstAppend = (bytes: Buffer): number => {
    const t0 = process.hrtime.bigint();
    const session = foldSession(decodeThreadState(bytes)!, { hashing: true });
    session.apply(nextFact!);
    const hash = session.hash();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (hash !== nextHash) throw new Error('the first hash after a load differs from the fold');
    return ms;
  };
  const withAcc: number[] = [];
  const withoutAcc: number[] = [];
  firstAppend(entryWithAccBytes);
  firstAppend(entryBytes);
  for (let round = 0; round < 7; round++) {
    withAcc.push(firstAppend(entryWithAccBytes));
    withoutAcc.push(firstAppend(entryBytes));
  }
  const figure = (xs: number[]): { ms: number; range: [number, number] } => ({ ms: +mid(xs).toFixed(1), range: [+Math.min(...xs).toFixed(1), +Math.max(...xs).toFixed(1)] });
  const a = figure(withAcc);
  const b = figure(withoutAcc);

  if (new Set(hashes).size !== 1) throw new Error(`folds disagree: ${hashes.join(' ')}`);
  const fps = (s: number) => Math.round(total / s);
  console.log(
    JSON.stringify({
      bench: 'replay',
      facts: total,
      full: { seconds: +fullS.toFixed(3), factsPerSec: fps(fullS) },
      runtimeLoad: { seconds: +loadS.toFixed(3), factsPerSec: fps(loadS) },
      raw: { seconds: +rawS.toFixed(3), factsPerSec: fps(rawS) },
      snapshot: { seconds: +snapS.toFixed(4), tailFacts: 1_000, fractionOfFull: +(snapS / fullS).toFixed(4) },
      cacheLoad: { entryMs, entryAllActorsMs, persistedJsonMs, entryBytes: entryBytes.length, persistedJsonChars: persistedText.length, persistedJsonOverEntryAllActors: +(persistedJsonMs / entryAllActorsMs).toFixed(2) },
      firstAppendAfterLoad: { withAccumulatorMs: a.ms, withAccumulatorRangeMs: a.range, withoutAccumulatorMs: b.ms, withoutAccumulatorRangeMs: b.range, entryWithAccumulatorBytes: entryWithAccBytes.length },
      ratioFullToRaw: +(rawS / fullS).toFixed(3),
      targets: { ratioFullToRaw: '>= 0.5', snapshotFractionOfFull: '<= 0.05' },
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
