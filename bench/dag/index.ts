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
 * Three configurations of ours: the runtime's default (`hashEvery: 'append'`, a snapshot hash on
 * the last fact of every append) — the figure that counts (`usPerStep` at the top level is the
 * slower of its two shapes) — a hash on every fact (`hashEvery: 1`), and hashing off
 * (`hashEvery: 0`), to show what hashing costs. Each run uses a fresh database file and a fresh
 * runtime.
 *
 * The peer: LangGraph.js (`langgraph.ts`) runs the same two shapes as graphs of no-op nodes with
 * `SqliteSaver` on a file. Their checkpoints are NOT fsynced before the next step: LangGraph's
 * default `durability: 'async'` writes a superstep's checkpoint while the next one runs, and its
 * SQLite connection runs WAL with `synchronous` = NORMAL (printed, read from the saver's
 * connection), which does not fsync at commit. Ours: every fact fsynced before it is acknowledged.
 *
 * How it is timed (measure.ts): one unmeasured warm-up run of every (system, shape, configuration),
 * then DAG_ROUNDS rounds (default 5) that alternate the two systems shape by shape; each figure is
 * the median of its rounds (`rounds` lists them; the other fields of a figure are those of its
 * median run). `ratio_vs_langgraph` per shape = our median µs/step (default configuration) ÷
 * LangGraph's median µs per node, wall time (`cpu_ratio_vs_langgraph`: the same in CPU time).
 * Target: ratio_vs_langgraph ≤ 0.2 on both shapes.
 *
 * It times the JavaScript users run: the package and the bench's scripts are compiled
 * (`bench/support/build.ts`, into test-output/, removed at the end) and run under plain `node` in a
 * child process (tsx's loader costs ~10% per step); `DAG_RUNNER=tsx` runs the sources through tsx.
 *
 * Run: `npx tsx bench/dag/index.ts` → one JSON line. Env: DAG_ROUNDS, DAG_RUNNER (built | tsx).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildForBench } from '../support/build.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const runner = process.env.DAG_RUNNER === 'tsx' ? 'tsx' : 'built';
const build = runner === 'built' ? buildForBench(root, ['bench/dag/measure.ts', 'bench/dag/langgraph.ts', 'bench/support/run-plan.ts']) : undefined;
try {
  const args = build === undefined ? ['--import', 'tsx', join(here, 'measure.ts')] : [build.js('bench/dag/measure.ts')];
  const env = { ...process.env, DAG_RUNNER_NAME: runner === 'built' ? 'node (compiled package)' : 'tsx (sources)' };
  const out = execFileSync(process.execPath, args, { env, maxBuffer: 1 << 22, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(`${out.trim().split('\n').at(-1)!}\n`);
} finally {
  if (build !== undefined) rmSync(build.out, { recursive: true, force: true });
}
