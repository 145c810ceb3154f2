/**
 * The measured half of bench/threads, in its own process so its peak RSS is its own: loads every
 * thread of the store (`runtime.load`, which claims its lease, folds its facts and resumes it; the
 * runtime keeps at most `maxIdleThreads` idle ones in memory, default 256, and evicts the rest), then
 * reports the time, the rate, the process's peak RSS and the RSS after a GC.
 * Usage: `node --expose-gc --import tsx bench/threads/rehydrate.ts <db path> <thread count>` → one
 * JSON line. Env: MAX_IDLE_THREADS (a number, or `Infinity` to keep every thread as before eviction).
 */
import { createActionRegistry } from '../../src/actions/registry.ts';
import { createRuntime, DEFAULT_MAX_IDLE_THREADS } from '../../src/runtime/runtime.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { noop } from './template.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const [path, count] = process.argv.slice(2);
const n = Number(count);
if (path === undefined || !(n > 0)) throw new Error('usage: rehydrate.ts <db path> <thread count>');
const maxIdleThreads = Number(process.env.MAX_IDLE_THREADS ?? DEFAULT_MAX_IDLE_THREADS);
const store = getSqliteEventStore({ path, create: false, codec: factCodec });
const rt = createRuntime({ store, actions: createActionRegistry([noop]), plannerFor: () => { throw new Error('no planning in this bench'); }, maxIdleThreads });
const rssBefore = process.memoryUsage().rss;
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const s = await rt.load(`t${i}`);
  if (s.interactions.i1?.status !== 'completed') throw new Error(`t${i}: interaction ${s.interactions.i1?.status}`);
}
const ns = Number(process.hrtime.bigint() - t0);
const cpu = process.cpuUsage(c0);
(globalThis as { gc?: () => void }).gc?.();
const rssAfter = process.memoryUsage().rss;
const peak = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({
  threads: n,
  maxIdleThreads: String(maxIdleThreads),
  seconds: +(ns / 1e9).toFixed(2),
  perSecond: Math.round(n / (ns / 1e9)),
  cpuPerSecond: Math.round(n / ((cpu.user + cpu.system) / 1e6)),
  rssBeforeMb: Math.round(rssBefore / 2 ** 20),
  rssAfterGcMb: Math.round(rssAfter / 2 ** 20),
  peakRssMb: Math.round(peak),
}));
await rt.close();
await store.close();
