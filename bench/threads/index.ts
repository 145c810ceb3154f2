/**
 * bench/threads: many idle threads. Writes THREADS (default 10 000) threads to a SQLite store, each
 * a copy of one completed thread with a 5-step plan (`template.ts`, 26 facts), then:
 * - `rehydrate` (`rehydrate.ts`, its own process): `runtime.load` of every thread in one process
 *   (idle threads beyond `maxIdleThreads`, default 256, are evicted as the loop goes), threads per
 *   second (wall and CPU), peak RSS and RSS after a GC; twice: `built`, the package compiled to
 *   JavaScript as `npm run build` makes it, run by plain `node` (what users run: the figure the
 *   target is about), and `tsx`, the sources through tsx's loader (its transform and module graph
 *   cost some 80 MB more before the first thread). Target: peak RSS ≤ 200 MB (built).
 * - `threadsCommand`: wall time of the built `orchestral threads --json` (`bin/orchestral.js` over
 *   the compiled package) over that store — `ms` the first run (it builds the store's persisted
 *   `threads` projection from every fact), `warmMs` the second (it reads that projection) — and in
 *   the same run the same command over a store holding one thread (`baselineMs`: process start and
 *   module loading); `…CpuMs` the same runs' CPU time (user + system: steadier than wall time on a
 *   shared machine); `listThreadsMs` is the in-process `listStoredThreads` alone (what grows with
 *   the store). Target: the warm command answers in ≤ 0.5 s (`warmWithinTarget`, wall time).
 * The package is compiled once per run (`bench/support/build.ts`, into test-output/, removed at the end).
 * Bounded: each command is killed after 120 s and reported as such.
 *
 * Run: `npx tsx bench/threads/index.ts` → one JSON line. Env: THREADS, MAX_IDLE_THREADS (passed to
 * `rehydrate.ts`; `Infinity` keeps every thread in memory).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listStoredThreads } from '../../src/cli/commands/threads.ts';
import { randomIds } from '../../src/core/ids.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { buildForBench } from '../support/build.ts';
import { copyFor, templateFacts } from './template.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const THREADS = Number(process.env.THREADS ?? 10_000);

/** Preloaded into timed commands: writes the process's CPU time (user + system, µs) to stderr at exit, last line. */
const CPU_AT_EXIT = `data:text/javascript,${encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeSync(2, '\\ncpu ' + (u.user + u.system) + '\\n'); });")}`;

/**
 * Runs a node script, resolving its stdout, its wall time and its CPU time (user + system) in ms;
 * `{ cut }` when killed by the timeout. CPU time is the steadier figure on a shared machine.
 */
function run(args: string[]): Promise<{ stdout: string; ms: number; cpuMs: number } | { cut: string }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', CPU_AT_EXIT, ...args], { cwd: root, timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = /\ncpu (\d+)\n$/.exec(stderr);
      if (err?.killed === true) resolve({ cut: 'killed after 120 s' });
      else if (err) reject(new Error(stderr || err.message));
      else resolve({ stdout, ms: +ms.toFixed(0), cpuMs: cpu ? Math.round(Number(cpu[1]) / 1000) : NaN });
    });
  });
}

async function writeThreads(path: string, n: number, template: readonly string[]): Promise<void> {
  const store = getSqliteEventStore({ path, durability: 'normal', codec: factCodec });
  const CHUNK = 500;
  for (let i = 0; i < n; i += CHUNK) {
    const appends: Promise<unknown>[] = [];
    for (let k = i; k < Math.min(n, i + CHUNK); k++) appends.push(store.appendToStream(`thread-t${k}`, copyFor(template, `t${k}`, randomIds.uuid), { expectedRevision: 'no_stream' }));
    await Promise.all(appends);
  }
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-threads-'));
try {
  const template = await templateFacts();
  const big = join(dir, 'threads.db');
  const small = join(dir, 'one.db');
  const w0 = process.hrtime.bigint();
  await writeThreads(big, THREADS, template);
  const writeS = +(Number(process.hrtime.bigint() - w0) / 1e9).toFixed(1);
  await writeThreads(small, 1, template);

  const build = buildForBench(root, ['bench/threads/rehydrate.ts', 'bench/threads/template.ts']);
  try {
    const rehydrate = async (args: string[]): Promise<unknown> => {
      const r = await run(['--expose-gc', ...args, big, String(THREADS)]);
      return 'cut' in r ? r : JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    };
    const built = await rehydrate([build.js('bench/threads/rehydrate.ts')]);
    const tsx = await rehydrate(['--import', 'tsx', join(here, 'rehydrate.ts')]);

    const cli = [build.bin, 'threads', '--json', '--store'];
    const baseline = await run([...cli, `sqlite:${small}`]);
    const full = await run([...cli, `sqlite:${big}`]);
    // the first run over the store builds its persisted `threads` projection; the second reads it
    const warm = await run([...cli, `sqlite:${big}`]);
    const listed = 'cut' in full ? null : full.stdout.trim().split('\n').length;
    const store = getSqliteEventStore({ path: big, create: false, codec: factCodec });
    const l0 = process.hrtime.bigint();
    const threads = await listStoredThreads(store, `sqlite:${big}`);
    const listThreadsMs = +(Number(process.hrtime.bigint() - l0) / 1e6).toFixed(0);
    await store.close();
    if (threads.length !== THREADS || (listed !== null && listed !== THREADS)) throw new Error(`threads listed ${threads.length} / ${listed}, expected ${THREADS}`);

    console.log(JSON.stringify({
      bench: 'threads',
      threads: THREADS,
      factsPerThread: template.length,
      writeS,
      rehydrate: { built, tsx },
      threadsCommand: {
        runner: 'node bin/orchestral.js (compiled package)',
        ms: 'cut' in full ? full : full.ms,
        warmMs: 'cut' in warm ? warm : warm.ms,
        baselineMs: 'cut' in baseline ? baseline : baseline.ms,
        cpuMs: 'cut' in full ? null : full.cpuMs,
        warmCpuMs: 'cut' in warm ? null : warm.cpuMs,
        baselineCpuMs: 'cut' in baseline ? null : baseline.cpuMs,
        warmWithinTarget: !('cut' in warm) && warm.ms <= 500,
        listThreadsMs,
      },
      targets: { peakRssMb: 200, threadsCommandMs: 500 },
    }));
  } finally {
    rmSync(build.out, { recursive: true, force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
