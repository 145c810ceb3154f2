/**
 * `npx tsx bench/threads-list/index.ts`: one JSON line about `orchestral threads` over a SQLite
 * store of `THREADS` (10 000) completed threads, each a 5-step plan run once by the CLI and copied
 * under new thread ids (same facts, ~30 per thread):
 * - whole processes, each the median of `RUNS`: `node -e 0` (the Node floor), `orchestral threads`
 *   on an empty store (the CLI's start-up floor: tsx, modules), then on the 10k store cold (no
 *   projection row: folds every fact and saves the row) and warm (the row is current);
 *   `coldListMs` / `warmListMs` = that time minus the empty-store floor (target: warm ≤ 500 ms);
 * - in this process: `listStoredThreads` cold and warm, ms.
 * Bounded: fixed counts, and the whole run stops after `LIMIT_MS`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listStoredThreads } from '../../src/cli/commands/threads.ts';
import { openSqliteProjectionStore } from '../../src/projections/sqlite-projection-store.ts';
import type { EventData } from '../../src/store/event-store.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';

const THREADS = 10_000;
const RUNS = 3;
const LIMIT_MS = 600_000;
/** The CLI from its sources (`node --import tsx src/cli/bin.ts`), as the tests run it. */
const BIN = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, resolve(import.meta.dirname, '../../src/cli/bin.ts')];

const watchdog = setTimeout(() => {
  console.error('bench/threads-list: over the time limit');
  process.exit(1);
}, LIMIT_MS);

const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-threads-'));
const cli = (args: string[]): void => {
  const r = spawnSync(process.execPath, [...BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ORCHESTRAL_STORE: '' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`orchestral ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
};
const wall = (fn: () => void): number => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const median = (xs: number[]): number => Number([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1));

// one thread run by the CLI, then copied
const plan = join(dir, 'plan.json');
writeFileSync(plan, JSON.stringify({ title: 'five steps', steps: [1, 2, 3, 4, 5].map((i) => ({ id: `s${i}`, action: 'echo', input: { i }, ...(i > 1 ? { dependsOn: [`s${i - 1}`] } : {}) })) }));
const templateFile = join(dir, 'template.db');
cli(['run', plan, '--store', `sqlite:${templateFile}`, '--thread', 'tpl', '--no-prompt']);
const template = getSqliteEventStore({ codec: factCodec, path: templateFile });
const facts: Array<{ type: string; data: string; metadata?: unknown }> = [];
for await (const e of template.readStream('thread-tpl')) facts.push({ type: e.type, data: JSON.stringify(e.data), ...(e.metadata !== undefined ? { metadata: e.metadata } : {}) });
await template.close();

const file = join(dir, 'events.db');
const store = getSqliteEventStore({ codec: factCodec, path: file, create: true, durability: 'normal' });
const copy = (i: number): EventData[] =>
  facts.map((f) => ({ id: randomUUID(), type: f.type, data: JSON.parse(f.data.replaceAll('"tpl"', `"t${i}"`)) as unknown, ...(f.metadata !== undefined ? { metadata: f.metadata as Record<string, unknown> } : {}) }) as EventData);
for (let i = 0; i < THREADS; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, THREADS - i) }, (_, k) => store.appendToStream(`thread-t${i + k}`, copy(i + k))));
}
await store.close();
const emptyFile = join(dir, 'empty.db');
getSqliteEventStore({ codec: factCodec, path: emptyFile, create: true }).close();

const nodeFloor = median(Array.from({ length: RUNS }, () => wall(() => spawnSync(process.execPath, ['-e', '0']))));
const cliFloor = median(Array.from({ length: RUNS }, () => wall(() => cli(['threads', '--store', `sqlite:${emptyFile}`]))));
const dropRow = async (): Promise<void> => {
  const rows = openSqliteProjectionStore({ path: file });
  await rows.delete('threads');
  await rows.close();
};
const cold: number[] = [];
const warm: number[] = [];
for (let r = 0; r < RUNS; r++) {
  await dropRow();
  cold.push(wall(() => cli(['threads', '--store', `sqlite:${file}`])));
  warm.push(wall(() => cli(['threads', '--store', `sqlite:${file}`])));
}

// in process
const reopened = getSqliteEventStore({ codec: factCodec, path: file });
await dropRow();
let t = performance.now();
const listed = await listStoredThreads(reopened, `sqlite:${file}`);
const inProcessColdMs = performance.now() - t;
t = performance.now();
await listStoredThreads(reopened, `sqlite:${file}`);
const inProcessWarmMs = performance.now() - t;
await reopened.close();

const result = {
  bench: 'threads-list',
  threads: listed.length,
  factsPerThread: facts.length,
  nodeFloorMs: nodeFloor,
  cliFloorMs: cliFloor,
  coldMs: median(cold),
  warmMs: median(warm),
  coldListMs: Number((median(cold) - cliFloor).toFixed(1)),
  warmListMs: Number((median(warm) - cliFloor).toFixed(1)),
  warmOverNodeFloor: Number((median(warm) / nodeFloor).toFixed(1)),
  inProcessColdMs: Number(inProcessColdMs.toFixed(1)),
  inProcessWarmMs: Number(inProcessWarmMs.toFixed(1)),
  targetWarmListMs: 500,
};
console.log(JSON.stringify(result));
rmSync(dir, { recursive: true, force: true });
clearTimeout(watchdog);
