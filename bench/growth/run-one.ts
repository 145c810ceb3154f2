/**
 * One bench/growth measurement in its own process (so its peak RSS is its own): a warm-up plan of
 * 200 steps of the same shape, then the measured plan of `n` steps, each on a fresh SQLite file with
 * durability `sync`, through the runtime (`send` → `whenSettled`, planning included).
 * Usage: `tsx bench/growth/run-one.ts <shape> <n> <dir>` → one JSON line: wall and CPU µs per step,
 * the process's peak RSS (MB, `peakRssMb`), and its peak RSS before the check that reads the whole
 * stream back after the run (`runPeakRssMb`: that read adds its own allocations to the run's
 * uncollected garbage).
 */
import { join } from 'node:path';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { SHAPES, type Shape } from './shapes.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { runNoopPlan } from '../support/run-plan.ts';

const MAX_EVENT_BYTES = 64 * 1024 * 1024;

async function runPlan(shape: Shape, n: number, dir: string, name: string) {
  const store = getSqliteEventStore({ path: join(dir, `${name}.db`), durability: 'sync', maxEventBytes: MAX_EVENT_BYTES, codec: factCodec });
  const { ns, cpuUs } = await runNoopPlan(name, shape.steps(n), shape.maxConcurrency, { store, maxEventBytes: MAX_EVENT_BYTES });
  const runPeakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  let completed = 0;
  for await (const e of store.readStream(`thread-${name}`)) if (e.type === 'StepCompleted') completed++;
  await store.close();
  if (completed !== n) throw new Error(`${name}: ${completed} of ${n} steps completed (a plan over the normaliser's step limit is rejected)`);
  return { usPerStep: +(ns / 1000 / n).toFixed(1), cpuUsPerStep: +(cpuUs / n).toFixed(1), totalS: +(ns / 1e9).toFixed(2), runPeakRssMb };
}

const [shapeName, size, dir] = process.argv.slice(2);
const shape = SHAPES.find((s) => s.name === shapeName);
if (shape === undefined || dir === undefined || !(Number(size) > 0)) throw new Error('usage: run-one.ts <shape> <n> <dir>');
await runPlan(shape, 200, dir, `warmup-${shape.name}-${size}`);
const result = await runPlan(shape, Number(size), dir, `${shape.name}-${size}`);
console.log(JSON.stringify({ ...result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
