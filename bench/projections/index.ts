/**
 * Projection rebuild benchmark: facts/s rebuilding the `steps` and `dag` projections from a
 * ~100k-fact history stored in a SQLite event store (`store.readAll()`, which decodes and validates
 * every fact through the fact codec, then both `evolve`s), next to a raw better-sqlite3
 * `SELECT … ORDER BY position` + `JSON.parse(data)` + `JSON.parse(metadata)` loop over the same
 * rows, in the same run. Prints ONE JSON line; `ratio` = rebuild rate / raw rate (target ≥ 0.3).
 *
 * The history: plausible runs of the fact-history simulator (src/testing/fact-histories.ts),
 * `BENCH_THREADS_PER_RUN` threads each, concatenated with distinct thread ids until
 * `BENCH_FACTS` (default 100000) facts; written once (not timed) with durability `normal`.
 * Each figure is the best of `BENCH_ROUNDS` (default 3) rounds, raw and rebuild alternating.
 * Also reported: `evolveOnlyFactsPerSec` (steps + dag over already-decoded facts in memory) and
 * `decodeOnlyFactsPerSec` (readAll without evolve), to show where the time goes.
 *
 * Run: `npx tsx bench/projections/index.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { dagProjection } from '../../projections/dag.ts';
import { stepsProjection } from '../../projections/steps.ts';
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import { recordedFactOf } from '../../src/history/decode.ts';
import { threadIdOfStream, threadStreamId } from '../../src/history/stream.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { simulateHistory, toEventData } from '../../src/testing/fact-histories.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
};
const FACTS = env('BENCH_FACTS', 100_000);
const ROUNDS = env('BENCH_ROUNDS', 3);
const THREADS_PER_RUN = env('BENCH_THREADS_PER_RUN', 3);

/** Plausible facts, thread ids made distinct per simulator run, cut at FACTS. */
function buildHistory(): RecordedFact[] {
  const out: RecordedFact[] = [];
  for (let run = 0; out.length < FACTS; run++) {
    for (const f of simulateHistory(run, 80, { maxThreads: THREADS_PER_RUN }).facts) {
      if (out.length >= FACTS) break;
      out.push({ ...f, streamId: threadStreamId(`r${run}-${threadIdOfStream(f.streamId)!}`) });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-proj-'));
  const path = join(dir, 'events.db');
  try {
    const history = buildHistory();
    const store = getSqliteEventStore({ codec: factCodec, path, durability: 'normal' });
    const nextRevision = new Map<string, bigint>();
    let i = 0;
    while (i < history.length) {
      const first = history[i] as RecordedFact;
      let j = i;
      while (j < history.length && (history[j] as RecordedFact).streamId === first.streamId) j++;
      const rev = nextRevision.get(first.streamId);
      await store.appendToStream(first.streamId, history.slice(i, j).map(toEventData), { expectedRevision: rev === undefined ? 'no_stream' : rev });
      nextRevision.set(first.streamId, (rev ?? -1n) + BigInt(j - i));
      i = j;
    }

    const raw = new Database(path, { readonly: true });
    const select = raw.prepare('SELECT position, stream_id, revision, id, type, data, metadata, recorded_at FROM events ORDER BY position');
    const rawRound = (): number => {
      let n = 0;
      for (const row of select.iterate() as Iterable<{ data: string; metadata: string }>) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
        n++;
      }
      return n;
    };
    const rebuildRound = async (evolve: boolean): Promise<number> => {
      let steps = stepsProjection.initialState;
      let dag = dagProjection.initialState;
      let n = 0;
      for await (const event of store.readAll()) {
        const fact = recordedFactOf(event);
        if (fact && evolve) {
          steps = stepsProjection.evolve(steps, fact);
          dag = dagProjection.evolve(dag, fact);
        }
        n++;
      }
      if (evolve && Object.keys(steps.threads).length + Object.keys(dag.threads).length === 0) throw new Error('nothing projected');
      return n;
    };
    const decoded: RecordedFact[] = [];
    for await (const event of store.readAll()) decoded.push(event as RecordedFact);
    const evolveRound = (): number => {
      let steps = stepsProjection.initialState;
      let dag = dagProjection.initialState;
      for (const fact of decoded) {
        steps = stepsProjection.evolve(steps, fact);
        dag = dagProjection.evolve(dag, fact);
      }
      return decoded.length;
    };
    const rate = async (fn: () => number | Promise<number>): Promise<number> => {
      const t0 = performance.now();
      const n = await fn();
      return n / ((performance.now() - t0) / 1000);
    };
    const best = { raw: 0, rebuild: 0, evolve: 0, decode: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      best.raw = Math.max(best.raw, await rate(rawRound));
      best.rebuild = Math.max(best.rebuild, await rate(() => rebuildRound(true)));
      best.decode = Math.max(best.decode, await rate(() => rebuildRound(false)));
      best.evolve = Math.max(best.evolve, await rate(evolveRound));
    }
    raw.close();
    await store.close();
    const round = (x: number): number => Math.round(x);
    console.log(JSON.stringify({
      bench: 'projections',
      facts: history.length,
      threads: nextRevision.size,
      rounds: ROUNDS,
      rebuildStepsDagFactsPerSec: round(best.rebuild),
      rawReadJsonParseFactsPerSec: round(best.raw),
      ratio: Number((best.rebuild / best.raw).toFixed(3)),
      target: 0.3,
      decodeOnlyFactsPerSec: round(best.decode),
      evolveOnlyFactsPerSec: round(best.evolve),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
