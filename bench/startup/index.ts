/**
 * Start-up time of the built CLI (`bin/orchestral.js`, which runs dist/: build first with
 * `npm run build`). Prints ONE JSON line: the median wall time (ms) over RUNS runs (env
 * BENCH_STARTUP_RUNS, default 7, at least 5) of
 * - `node -e 0` (the baseline, measured in the same run),
 * - `orchestral --help`,
 * - `orchestral threads` on an empty SQLite store,
 * - `orchestral run` of a one-step static plan file (echo) on another SQLite store (the runtime's
 *   modules: what every CLI-driven test pays),
 * and each CLI figure's ratio to the baseline (target ≤ 3 for `--help` and `threads`).
 *
 * Run: `npx tsx bench/startup/index.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/orchestral.js');
const RUNS = Math.max(5, Number(process.env['BENCH_STARTUP_RUNS'] ?? 7));

if (!existsSync(join(ROOT, 'dist/src/cli/bin.js'))) {
  console.error('bench/startup: no dist/ (run `npm run build` first)');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'orchestral-startup-'));
const store = `sqlite:${join(dir, 'events.db')}`;
const env = { ...process.env, NO_COLOR: '1', ORCHESTRAL_STORE: '' };

/** Wall time of one run, ms. */
function once(args: string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { cwd: dir, env, stdio: 'ignore' });
  return performance.now() - t0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

try {
  // An empty store: a thread opened and nothing else would not be empty; `run` of a refused plan
  // creates nothing, so the store is made by opening it once through the library.
  execFileSync(process.execPath, ['--import', 'tsx', '-e', `const { openEventStore, factCodec } = await import(${JSON.stringify(join(ROOT, 'src/index.ts'))}); await (await openEventStore(${JSON.stringify(store)}, { codec: factCodec })).close();`], { cwd: ROOT, stdio: 'inherit' });
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({ title: 'one step', steps: [{ id: 's1', action: 'echo', input: { i: 1 } }] }));
  const cases: Record<string, string[]> = {
    node: ['-e', '0'],
    help: [BIN, '--help'],
    threads: [BIN, '--store', store, 'threads'],
    run: [BIN, '--store', `sqlite:${join(dir, 'run.db')}`, 'run', plan, '--no-prompt'],
  };
  const times: Record<string, number[]> = { node: [], help: [], threads: [], run: [] };
  for (const args of Object.values(cases)) once(args); // warm the file cache
  for (let i = 0; i < RUNS; i++) for (const [name, args] of Object.entries(cases)) times[name]!.push(once(args));
  const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 10) / 10]));
  const ratio = (k: string): number => Math.round((ms[k]! / ms['node']!) * 100) / 100;
  console.log(JSON.stringify({ bench: 'startup', runs: RUNS, medianMs: ms, ratio: { help: ratio('help'), threads: ratio('threads'), run: ratio('run') }, target: 3 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
