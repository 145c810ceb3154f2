/**
 * bench/dag: a 1000-step plan of no-op actions run by the runtime on the SQLite store with
 * every fact durable (durability `sync`: each commit fsynced before the append resolves). Two shapes:
 * - `chains`: 50 parallel chains × 20 steps deep (1000 steps);
 * - `layers`: 20 layers × 50 steps, with a no-op join step between consecutive layers (1019 steps).
 * Measured from `send` to the interaction's completion (planning included, two planner calls).
 * Figures per shape: µs per step, facts per step, appends per step (the runtime's write-ahead
 * batches), commits per step (SQLite transactions after group commit), and the baseline: the same
 * facts appended to a fresh stream in the same batches straight through the store (no runtime), in
 * the same run; `ratio` = runtime time / baseline time. Target: ≤ 60 µs per step.
 *
 * Each shape runs three times: with the runtime's default configuration (`hashEvery: 'append'`, a
 * snapshot hash on the last fact of every append) — the figure that counts (`usPerStep` at the top
 * level is the slower of its two shapes) — with a hash on every fact (`hashEvery: 1`), and with
 * hashing off (`hashEvery: 0`), to show what hashing costs. Each run uses
 * a fresh database file and a fresh runtime; one unmeasured warm-up run of each shape comes first, so
 * no measured run pays for JIT compilation.
 *
 * The peer: LangGraph.js (`langgraph.ts`) runs the same two shapes as graphs of no-op nodes with
 * `SqliteSaver` on a file, also after one warm-up run; `ratio_vs_langgraph` per shape = our µs/step
 * (default configuration) ÷ its µs per node, wall time, same run (`cpu_ratio_vs_langgraph`: the same
 * in CPU time, steadier on a shared machine). Their checkpoints are NOT fsynced before the next step:
 * LangGraph's default `durability: 'async'` writes a superstep's checkpoint while the next one runs,
 * and its SQLite connection runs WAL with `synchronous` = NORMAL (printed, read from the saver's
 * connection), which does not fsync at commit. Ours: every fact fsynced before it is acknowledged.
 * Target: ratio_vs_langgraph ≤ 0.2 on both shapes.
 *
 * Run: `npx tsx bench/dag/index.ts` → one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineAction } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { timeOrderedIds } from '../../src/core/ids.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import type { Planner } from '../../src/planner/planner.ts';
import type { HashEvery } from '../../src/runtime/draft.ts';
import { threadStreamId } from '../../src/history/stream.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import type { EventData, RecordedEvent } from '../../src/store/event-store.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { runLangGraph } from './langgraph.ts';

const noop = defineAction({
  name: 'noop',
  description: 'does nothing',
  input: z.object({}),
  output: z.object({}),
  run: async () => ({}),
});


type Step = { id: string; action: string; dependsOn: string[] };

function chains(n = 50, depth = 20): Step[] {
  const steps: Step[] = [];
  for (let c = 0; c < n; c++) for (let d = 0; d < depth; d++) steps.push({ id: `c${c}_${d}`, action: 'noop', dependsOn: d === 0 ? [] : [`c${c}_${d - 1}`] });
  return steps;
}

function layers(n = 20, width = 50): Step[] {
  const steps: Step[] = [];
  for (let l = 0; l < n; l++) {
    for (let w = 0; w < width; w++) steps.push({ id: `l${l}_${w}`, action: 'noop', dependsOn: l === 0 ? [] : [`j${l - 1}`] });
    if (l < n - 1) steps.push({ id: `j${l}`, action: 'noop', dependsOn: Array.from({ length: width }, (_, w) => `l${l}_${w}`) });
  }
  return steps;
}

async function runShape(name: string, steps: Step[], dir: string, hashEvery: HashEvery) {
  const path = join(dir, `${name}.db`);
  const sqlite = getSqliteEventStore({ codec: factCodec, path, durability: 'sync' });
  // Count the runtime's appends and keep their batches for the baseline.
  const appended: EventData[][] = [];
  const store = Object.assign(Object.create(sqlite) as typeof sqlite, {
    appendToStream: (streamId: string, events: readonly EventData[], options?: Parameters<typeof sqlite.appendToStream>[2]) => {
      appended.push([...events]);
      return sqlite.appendToStream(streamId, events, options);
    },
  });
  const plan = { kind: 'mini_plan', plan: { steps, maxConcurrency: 64 } } as unknown as PlannerOutput;
  let calls = 0;
  const planner: Planner = { plan: async () => ({ output: calls++ === 0 ? plan : { kind: 'done', answer: 'ok' }, repairs: 0 }) };
  const rt = createRuntime({ store, actions: createActionRegistry([noop]), plannerFor: () => planner, hashEvery });
  await rt.openThread({ threadId: name });
  const commits0 = sqlite.stats().commits;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await rt.send(name, 'run');
  const s = await rt.whenSettled(name);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  if (s.interactions.i1?.status !== 'completed') throw new Error(`${name}: interaction ended ${s.interactions.i1?.status}`);
  const commits = sqlite.stats().commits - commits0;
  await rt.close();

  // Baseline: the same facts, in the same batches (one append each), straight through the store.
  const baseIds = timeOrderedIds(); // the runtime's default event ids
  const batches = appended.slice(1).map((b) => b.map((e) => ({ ...e, id: baseIds.uuid() })));
  const events: RecordedEvent[] = [];
  for await (const e of sqlite.readStream(threadStreamId(name))) events.push(e);
  const b0 = process.hrtime.bigint();
  let rev = -1n;
  for (const batch of batches) rev = (await sqlite.appendToStream(`base-${name}`, batch, { expectedRevision: rev < 0n ? 'no_stream' : rev })).nextExpectedRevision;
  const baseNs = Number(process.hrtime.bigint() - b0);
  await sqlite.close();
  const facts = events.length - 1;
  return {
    steps: steps.length,
    usPerStep: +(ns / 1000 / steps.length).toFixed(1),
    cpuUsPerStep: +((cpu.user + cpu.system) / steps.length).toFixed(1),
    factsPerStep: +(facts / steps.length).toFixed(2),
    commitsPerStep: +(commits / steps.length).toFixed(3),
    totalMs: +(ns / 1e6).toFixed(1),
    baselineMs: +(baseNs / 1e6).toFixed(1),
    appendsPerStep: +(batches.length / steps.length).toFixed(3),
    ratio: +(ns / baseNs).toFixed(2),
  };
}

// LangGraph adds an abort listener per node to one signal; the warning is noise here.
setMaxListeners(0);
const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-dag-'));
try {
  await runLangGraph('warmup-chains', chains(), dir);
  await runLangGraph('warmup-layers', layers(), dir);
  const langgraph = { chains: await runLangGraph('chains', chains(), dir), layers: await runLangGraph('layers', layers(), dir) };
  await runShape('warmup-chains', chains(), dir, 'append');
  await runShape('warmup-layers', layers(), dir, 'append');
  const byDefault = { hashEvery: 'append', chains: await runShape('chains', chains(), dir, 'append'), layers: await runShape('layers', layers(), dir, 'append') };
  const everyFact = { hashEvery: 1, chains: await runShape('chains-every', chains(), dir, 1), layers: await runShape('layers-every', layers(), dir, 1) };
  const noHash = { hashEvery: 0, chains: await runShape('chains-nohash', chains(), dir, 0), layers: await runShape('layers-nohash', layers(), dir, 0) };
  const usPerStep = Math.max(byDefault.chains.usPerStep, byDefault.layers.usPerStep);
  const ratio = (ours: number, theirs: number) => +(ours / theirs).toFixed(3);
  console.log(JSON.stringify({
    bench: 'dag',
    ratio_vs_langgraph: { chains: ratio(byDefault.chains.usPerStep, langgraph.chains.usPerStep), layers: ratio(byDefault.layers.usPerStep, langgraph.layers.usPerStep) },
    cpu_ratio_vs_langgraph: { chains: ratio(byDefault.chains.cpuUsPerStep, langgraph.chains.cpuUsPerStep), layers: ratio(byDefault.layers.cpuUsPerStep, langgraph.layers.cpuUsPerStep) },
    targetRatioVsLanggraph: 0.2,
    durability: { ours: 'sync: every fact fsynced before it is acknowledged', langgraph: `durability 'async' (checkpoint written while the next superstep runs, not awaited), SQLite WAL synchronous=${['OFF', 'NORMAL', 'FULL', 'EXTRA'][langgraph.chains.sqliteSynchronous]}${langgraph.chains.sqliteSynchronous < 2 ? ' (commits not fsynced)' : ''}` },
    langgraph,
    targetUsPerStep: 60,
    usPerStep,
    default: byDefault,
    everyFact,
    noHash,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
