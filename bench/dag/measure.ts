/**
 * The timing half of bench/dag (see index.ts for what the bench measures and how to run it): runs
 * both shapes on the runtime (three hashing configurations) and on LangGraph.js in alternating
 * rounds, in one process, and prints one JSON line. Runs compiled under plain `node` (index.ts
 * builds it), or under tsx for the sources. Env: DAG_ROUNDS (measured rounds, default 5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeOrderedIds } from '../../src/core/ids.ts';
import type { HashEvery } from '../../src/runtime/draft.ts';
import { threadStreamId } from '../../src/history/stream.ts';
import type { EventData, RecordedEvent } from '../../src/store/event-store.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { runNoopPlan, type PlanStep as Step } from '../support/run-plan.ts';
import { runLangGraph, type LangGraphRun } from './langgraph.ts';

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
  let commits0 = 0;
  const { ns, cpuUs } = await runNoopPlan(name, steps, 64, { store, hashEvery }, () => (commits0 = sqlite.stats().commits));
  const commits = sqlite.stats().commits - commits0;

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
    cpuUsPerStep: +(cpuUs / steps.length).toFixed(1),
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

type OurRun = Awaited<ReturnType<typeof runShape>>;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** One figure per configuration: the run whose µs/step is the median of the rounds, with every round's µs/step. */
function summary<R extends { usPerStep: number; cpuUsPerStep: number }>(runs: readonly R[]): R & { cpuUsPerStepMedian: number; rounds: number[] } {
  const m = median(runs.map((r) => r.usPerStep));
  const pick = runs.reduce((a, b) => (Math.abs(b.usPerStep - m) < Math.abs(a.usPerStep - m) ? b : a));
  return { ...pick, usPerStep: +m.toFixed(1), cpuUsPerStepMedian: +median(runs.map((r) => r.cpuUsPerStep)).toFixed(1), rounds: runs.map((r) => r.usPerStep) };
}

const rounds = Number(process.env.DAG_ROUNDS ?? 5);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`DAG_ROUNDS must be a positive integer, got ${process.env.DAG_ROUNDS}`);
const SHAPE_STEPS = { chains, layers } as const;
type ShapeName = keyof typeof SHAPE_STEPS;
const CONFIGS = [['default', 'append'], ['everyFact', 1], ['noHash', 0]] as const;
const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-dag-'));
try {
  // One unmeasured warm-up of every (system, shape, configuration): no measured run pays for JIT compilation.
  for (const shape of ['chains', 'layers'] as const) {
    await runLangGraph(`warmup-${shape}`, SHAPE_STEPS[shape](), dir);
    for (const [config, hashEvery] of CONFIGS) await runShape(`warmup-${shape}-${config}`, SHAPE_STEPS[shape](), dir, hashEvery);
  }
  const lg: Record<ShapeName, LangGraphRun[]> = { chains: [], layers: [] };
  const ours: Record<string, Record<ShapeName, OurRun[]>> = Object.fromEntries(CONFIGS.map(([c]) => [c, { chains: [], layers: [] }]));
  // Rounds alternate the two systems, so a slow minute on a shared machine falls on both.
  for (let r = 0; r < rounds; r++) {
    for (const shape of ['chains', 'layers'] as const) {
      lg[shape].push(await runLangGraph(`${shape}-${r}`, SHAPE_STEPS[shape](), dir));
      for (const [config, hashEvery] of CONFIGS) ours[config]![shape].push(await runShape(`${shape}-${config}-${r}`, SHAPE_STEPS[shape](), dir, hashEvery));
    }
  }
  const langgraph = { chains: summary(lg.chains), layers: summary(lg.layers) };
  const by = (config: string, hashEvery: HashEvery) => ({ hashEvery, chains: summary(ours[config]!.chains), layers: summary(ours[config]!.layers) });
  const byDefault = by('default', 'append');
  const ratio = (a: number, b: number) => +(a / b).toFixed(3);
  console.log(JSON.stringify({
    bench: 'dag',
    runner: process.env.DAG_RUNNER_NAME ?? 'tsx (sources)',
    rounds,
    ratio_vs_langgraph: { chains: ratio(byDefault.chains.usPerStep, langgraph.chains.usPerStep), layers: ratio(byDefault.layers.usPerStep, langgraph.layers.usPerStep) },
    cpu_ratio_vs_langgraph: { chains: ratio(byDefault.chains.cpuUsPerStepMedian, langgraph.chains.cpuUsPerStepMedian), layers: ratio(byDefault.layers.cpuUsPerStepMedian, langgraph.layers.cpuUsPerStepMedian) },
    targetRatioVsLanggraph: 0.2,
    durability: { ours: 'sync: every fact fsynced before it is acknowledged', langgraph: `durability 'async' (checkpoint written while the next superstep runs, not awaited), SQLite WAL synchronous=${['OFF', 'NORMAL', 'FULL', 'EXTRA'][langgraph.chains.sqliteSynchronous]}${langgraph.chains.sqliteSynchronous < 2 ? ' (commits not fsynced)' : ''}` },
    langgraph,
    targetUsPerStep: 60,
    usPerStep: Math.max(byDefault.chains.usPerStep, byDefault.layers.usPerStep),
    default: byDefault,
    everyFact: by('everyFact', 1),
    noHash: by('noHash', 0),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
