/**
 * `npx tsx bench/serve/index.ts`: one JSON line about `orchestral serve` on loopback, on a fresh
 * SQLite store in a temporary directory:
 * - `GET /threads?limit=50` p50/p95 (ms) with `THREADS` threads in the store (10 000), against the
 *   same run's `GET /healthz` (the HTTP floor): `listRatioP95` = threads p95 / healthz p95;
 * - SSE fan-out: `SUBSCRIBERS` (200) clients on `GET /stream` while `FANOUT_FACTS` facts are
 *   appended: events delivered per second (all clients) and the p99 delay from the append call to
 *   receipt (ms);
 * - `POST /threads/:id/send` per second (8 requests at a time; queued input): `SENDS` on a thread the
 *   server runs (its worker's live runtime), `SENDS` on a thread waiting for an approval (no owner: a
 *   cached append-only runtime), and `BASELINE_SENDS` on the latter through a second server whose
 *   commands each build a runtime reading the whole thread (`commandRuntimes: 'per-command'`):
 *   `sendRatioLive` / `sendRatioCached` = sends per second ÷ the baseline's.
 * Bounded: fixed counts, and the whole run stops after `LIMIT_MS`.
 */
import { factCodec } from '../../src/facts/fact-codec.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { startServer } from '../../src/serve/server.ts';
import { threadStreamId } from '../../src/history/stream.ts';

const THREADS = 10_000;
const SUBSCRIBERS = 200;
const FANOUT_FACTS = 300;
const SENDS = 1000;
const BASELINE_SENDS = 100;
const LIMIT_MS = 240_000;

const watchdog = setTimeout(() => {
  console.error('bench/serve: over the time limit');
  process.exit(1);
}, LIMIT_MS);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2));
};

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'orchestral-bench-serve-'));
const file = join(dir, 'events.db');
const store = getSqliteEventStore({ codec: factCodec, path: file, create: true, durability: 'normal' });
const opened = (threadId: string) => [{ id: randomUUID(), type: 'ThreadOpened', data: { threadId, policy: { kind: 'enqueue' }, maxIterations: 8, title: `bench ${threadId}` } }];
for (let i = 0; i < THREADS; i += 500) {
  await Promise.all(Array.from({ length: Math.min(500, THREADS - i) }, (_, k) => store.appendToStream(threadStreamId(`t${i + k}`), opened(`t${i + k}`))));
}
const server = await startServer({ store, storeUrl: `sqlite:${file}`, port: 0, workspace: dir, pollMs: 200 });
const get = async (path: string): Promise<unknown> => (await fetch(server.url + path)).json();
while ((await (get('/threads?limit=1') as Promise<{ position: number }>)).position < THREADS) await new Promise((r) => setTimeout(r, 100));

await timed(20, () => get('/threads?limit=50'));
const health = await timed(200, () => get('/healthz'));
const list = await timed(200, () => get('/threads?limit=50'));

// SSE fan-out
const sent = new Map<string, number>();
const delays: number[] = [];
let delivered = 0;
const controllers: AbortController[] = [];
let firstAppend = 0;
let lastReceipt = 0;
const ready: Promise<void>[] = [];
for (let c = 0; c < SUBSCRIBERS; c++) {
  const controller = new AbortController();
  controllers.push(controller);
  ready.push(
    fetch(`${server.url}/stream`, { signal: controller.signal }).then((res) => {
      void (async () => {
        const decoder = new TextDecoder();
        let buffer = '';
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            buffer += decoder.decode(chunk, { stream: true });
            let cut: number;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (!data) continue;
              const at = sent.get((JSON.parse(data) as { threadId: string }).threadId);
              if (at === undefined) continue;
              const now = performance.now();
              delays.push(now - at);
              delivered++;
              lastReceipt = now;
            }
          }
        } catch {
          /* aborted at the end */
        }
      })();
    }),
  );
}
await Promise.all(ready);
await new Promise((r) => setTimeout(r, 300));
firstAppend = performance.now();
for (let i = 0; i < FANOUT_FACTS; i++) {
  sent.set(`f${i}`, performance.now());
  await store.appendToStream(threadStreamId(`f${i}`), opened(`f${i}`));
}
const expected = SUBSCRIBERS * FANOUT_FACTS;
const until = Date.now() + 60_000;
while (delivered < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
controllers.forEach((c) => c.abort());

// send throughput: on a thread this server runs (its worker's live runtime), on a thread waiting for
// an approval (no owner: the cached append-only runtime), and the baseline — a second server on the
// same store whose commands each build an append-only runtime and read the whole thread
const post = (base: string, path: string, body: unknown): Promise<Response> =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
await post(server.url, '/threads', { threadId: 'busy', plan: { steps: [{ id: 'hold', action: 'sleep', input: { ms: 120_000 } }] } });
await post(server.url, '/threads', { threadId: 'waiting', plan: { steps: [{ id: 'ask', action: 'sleep', input: { ms: 1 }, requiresApproval: true }] } });
const until2 = Date.now() + 30_000;
while (Date.now() < until2) {
  const [busy, waiting] = await Promise.all([get('/threads/busy'), get('/threads/waiting')]);
  if (JSON.stringify(busy).includes('"status":"running"') && ((waiting as { pendingApprovals?: unknown[] }).pendingApprovals?.length ?? 0) > 0) break;
  await new Promise((r) => setTimeout(r, 50));
}
/** `count` sends to `threadId`, 8 at a time: sends per second and failures. */
async function sendRate(base: string, threadId: string, count: number): Promise<{ perSec: number; failures: number }> {
  const start = performance.now();
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        next++;
        const r = await post(base, `/threads/${threadId}/send`, { text: `input ${next}` });
        if (r.status !== 202) failures++;
        await r.arrayBuffer();
      }
    }),
  );
  return { perSec: Number((count / ((performance.now() - start) / 1000)).toFixed(1)), failures };
}
const liveSends = await sendRate(server.url, 'busy', SENDS);
const cachedSends = await sendRate(server.url, 'waiting', SENDS);
const routed = server.context.runtime.commandCounts();
await server.close();
const baselineServer = await startServer({ store, storeUrl: `sqlite:${file}`, port: 0, workspace: dir, pollMs: 200, commandRuntimes: 'per-command' });
const baselineSends = await sendRate(baselineServer.url, 'waiting', BASELINE_SENDS);
await baselineServer.close();

const result = {
  bench: 'serve',
  threads: THREADS,
  listP50Ms: pct(list, 50),
  listP95Ms: pct(list, 95),
  healthP50Ms: pct(health, 50),
  healthP95Ms: pct(health, 95),
  listRatioP95: Number((pct(list, 95) / pct(health, 95)).toFixed(2)),
  sseSubscribers: SUBSCRIBERS,
  sseFacts: FANOUT_FACTS,
  sseDelivered: delivered,
  sseExpected: expected,
  sseEventsPerSec: Math.round(delivered / ((lastReceipt - firstAppend) / 1000)),
  sseP99DelayMs: delays.length ? pct(delays, 99) : null,
  sends: SENDS,
  sendsPerSecLive: liveSends.perSec,
  sendsPerSecCached: cachedSends.perSec,
  sendsPerSecBaseline: baselineSends.perSec,
  sendRatioLive: Number((liveSends.perSec / baselineSends.perSec).toFixed(1)),
  sendRatioCached: Number((cachedSends.perSec / baselineSends.perSec).toFixed(1)),
  sendFailures: liveSends.failures + cachedSends.failures + baselineSends.failures,
  sendRouting: routed,
};
console.log(JSON.stringify(result));
await store.close();
rmSync(dir, { recursive: true, force: true });
clearTimeout(watchdog);
process.exit(0);
