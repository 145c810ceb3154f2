/**
 * bench/growth: does the cost per step stay flat as a plan grows? Plans of 1k, 4k and 16k no-op
 * steps in five shapes (`shapes.ts`: independent steps with `maxConcurrency` 4 and 64, one chain,
 * 50 chains, layers of 50 with a join step between layers), run by the runtime on SQLite with every
 * fact fsynced. Each (shape, size) runs in its own process (`run-one.ts`, after a 200-step warm-up of
 * the same shape), so its peak RSS is its own.
 * Per shape: wall and CPU µs per step at each size, `growth_16k_over_1k` (µs/step at 16k ÷ at 1k,
 * wall; `cpu_growth_16k_over_1k` the same in CPU time, the steadier figure on a shared machine) and
 * the 16k run's peak RSS (`runPeakRssMb16k`: before its check read, see run-one.ts). Targets: growth ≤ 1.5 in every shape, 16k peak RSS ≤ 300 MB.
 *
 * Bounded in time: a size is not started when the previous size's time, scaled by the size ratio
 * and by the per-step growth seen so far, predicts more than GROWTH_BUDGET_S seconds (default 120),
 * and a started run is killed after 2 × that budget; either way it is reported as `cut` with why.
 *
 * Each run executes the JavaScript users run: the package and `run-one.ts` compiled once per bench
 * run (`bench/support/build.ts`, into test-output/, removed at the end) under plain `node`, so the
 * RSS figures hold no TypeScript loader (tsx adds ~35 MB to a process); `GROWTH_RUNNER=tsx` runs the
 * sources through tsx instead. The JSON names the runner.
 *
 * Run: `npx tsx bench/growth/index.ts` → one JSON line. Env: GROWTH_SIZES (default 1000,4000,16000),
 * GROWTH_SHAPES (comma-separated names, default all), GROWTH_BUDGET_S, GROWTH_RUNNER (built | tsx).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildForBench } from '../support/build.ts';
import { SHAPES } from './shapes.ts';

type Run = { usPerStep: number; cpuUsPerStep: number; totalS: number; peakRssMb: number; runPeakRssMb: number };
type Cut = { cut: string };

const here = dirname(fileURLToPath(import.meta.url));
const sizes = (process.env.GROWTH_SIZES ?? '1000,4000,16000').split(',').map(Number);
const only = process.env.GROWTH_SHAPES?.split(',');
const budgetS = Number(process.env.GROWTH_BUDGET_S ?? 120);
const runner = process.env.GROWTH_RUNNER === 'tsx' ? 'tsx' : 'built';
const root = join(here, '..', '..');
const build = runner === 'built' ? buildForBench(root, ['bench/growth/run-one.ts', 'bench/growth/shapes.ts', 'bench/support/run-plan.ts']) : undefined;
const runOneArgs = build === undefined ? ['--import', 'tsx', join(here, 'run-one.ts')] : [build.js('bench/growth/run-one.ts')];

function runOne(shape: string, n: number, dir: string): Promise<Run | Cut> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...runOneArgs, shape, String(n), dir], { timeout: 2 * budgetS * 1000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err?.killed === true) resolve({ cut: `killed after ${2 * budgetS} s` });
      else if (err) reject(new Error(`${shape} ${n}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Run);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-growth-'));
const shapes: Record<string, unknown> = {};
try {
  for (const shape of SHAPES) {
    if (only !== undefined && !only.includes(shape.name)) continue;
    const runs: Record<string, Run | Cut> = {};
    let prev: { n: number; run: Run; growth: number } | undefined;
    for (const n of sizes) {
      const predictedS = prev === undefined ? 0 : prev.run.totalS * (n / prev.n) * Math.max(1, prev.growth);
      const run = predictedS > budgetS ? { cut: `predicted ${Math.round(predictedS)} s > ${budgetS} s budget` } : await runOne(shape.name, n, dir);
      runs[n] = run;
      if ('cut' in run) break;
      // The per-step growth over the last size step, assumed to repeat over the next one.
      prev = { n, run, growth: prev === undefined ? 1 : run.usPerStep / prev.run.usPerStep };
    }
    const first = runs[sizes[0]!];
    const last = runs[sizes.at(-1)!];
    const done = (r: Run | Cut | undefined): r is Run => r !== undefined && !('cut' in r);
    shapes[shape.name] = {
      runs,
      growth_16k_over_1k: done(first) && done(last) ? +(last.usPerStep / first.usPerStep).toFixed(2) : null,
      cpu_growth_16k_over_1k: done(first) && done(last) ? +(last.cpuUsPerStep / first.cpuUsPerStep).toFixed(2) : null,
      peakRssMb16k: done(last) ? last.peakRssMb : null,
      runPeakRssMb16k: done(last) ? last.runPeakRssMb : null,
    };
  }
  console.log(JSON.stringify({ bench: 'growth', runner: runner === 'built' ? 'node (compiled package)' : 'tsx (sources)', sizes, targets: { growth: 1.5, peakRssMb16k: 300 }, budgetS, shapes }));
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (build !== undefined) rmSync(build.out, { recursive: true, force: true });
}
