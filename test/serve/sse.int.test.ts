/**
 * SSE over real HTTP: a client disconnects in the middle of a run and reconnects with
 * `Last-Event-ID`; what it received in total is exactly the thread's facts after its first
 * position (no gap, no duplicate), each named by its interaction update. `/stream` resumes the same way.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSse, type SseEvent } from './sse-client.ts';
import { startFixture, testPlan, waitFor, type ServeFixture } from './serve-fixture.ts';

let f: ServeFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => f?.close());

async function threadFacts(threadId: string): Promise<{ position: string; type: string }[]> {
  const out: { position: string; type: string }[] = [];
  for await (const e of f.store.readStream(`thread-${threadId}`)) out.push({ position: String(e.position), type: e.type });
  return out;
}

it('a thread stream resumed with Last-Event-ID delivers every fact after the first position exactly once', async () => {
  await f.request('/threads', { body: { threadId: 'sse', plan: { title: 'sse', steps: [
    { id: 'a', action: 'echo', input: { v: 1 } },
    { id: 's1', action: 'sleep', dependsOn: ['a'], input: { ms: 400 } },
    { id: 's2', action: 'sleep', dependsOn: ['s1'], input: { ms: 400 } },
    { id: 'b', action: 'echo', dependsOn: ['s2'], input: { v: 2 } },
  ] } } });
  const got: SseEvent[] = [];
  const first = openSse(`${f.url}/threads/sse/stream`, undefined, (e) => got.push(e));
  await waitFor('the run to be underway', () => (got.some((e) => e.data['type'] === 'StepStarted' && (e.data['data'] as { stepId: string }).stepId === 's1') ? true : undefined));
  first.stop();
  await first.done;
  const cut = got.length;
  const second = openSse(`${f.url}/threads/sse/stream`, got[cut - 1]!.id, (e) => got.push(e));
  await waitFor('the interaction to finish', () => (got.some((e) => e.event === 'done') ? true : undefined));
  await new Promise((r) => setTimeout(r, 300));
  second.stop();
  await second.done;
  const facts = await threadFacts('sse');
  expect(got.length).toBeGreaterThan(cut);
  expect(got.map((e) => e.id)).toEqual(facts.map((x) => x.position));
  expect(got.map((e) => e.data['type'])).toEqual(facts.map((x) => x.type));
  expect(got.filter((e) => e.event === 'tool_end').length).toBe(4);
  expect(got.find((e) => e.event === 'tool_start')?.data['update']).toMatchObject({ action: 'echo', stepId: 'a' });
});

it('GET /stream resumed with Last-Event-ID has no gap and no duplicate across threads', async () => {
  const got: SseEvent[] = [];
  const first = openSse(`${f.url}/stream`, '0', (e) => got.push(e));
  await waitFor('catch-up', () => (got.length > 5 ? true : undefined));
  first.stop();
  await first.done;
  await f.request('/threads', { body: { threadId: 'sse-2', plan: testPlan() } });
  const second = openSse(`${f.url}/stream`, got[got.length - 1]!.id, (e) => got.push(e));
  await waitFor('sse-2 done', async () => ((await f.request('/threads/sse-2')).json['thread'] as { status: string }).status === 'idle' || undefined);
  const all: string[] = [];
  for await (const e of f.store.readAll()) all.push(String(e.position));
  await waitFor('every fact delivered', () => (got.length >= all.length - 1 ? true : undefined));
  second.stop();
  await second.done;
  expect(got.map((e) => e.id)).toEqual(all.filter((p) => BigInt(p) > 0n));
});

it('a bad Last-Event-ID is 400', async () => {
  const r = await fetch(`${f.url}/stream`, { headers: { 'last-event-id': 'abc' } });
  expect(r.status).toBe(400);
  expect(((await r.json()) as { code: string }).code).toBe('BAD_LAST_EVENT_ID');
});
