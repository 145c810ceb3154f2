/**
 * Live text deltas over HTTP: a thread opened with an intent is planned by the local fake
 * chat-completions server, which streams its answer in pieces; the thread's SSE stream carries each
 * piece as a `delta` event without an `id:` (so Last-Event-ID keeps naming facts), before the
 * stored `thought`, and the API key never appears in a delta even when split across pieces.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { openSse, type SseEvent } from './sse-client.ts';
import { startFixture, waitFor, type ServeFixture } from './serve-fixture.ts';

const KEY = 'sk-serve-4Kd8Lq2Zt7Wn5Yb9Xr3M';
let llm: FakeOpenAIServer;
let f: ServeFixture;
const saved = { base: process.env['OPENAI_BASE_URL'], key: process.env['OPENAI_API_KEY'] };
beforeAll(async () => {
  llm = await startFakeOpenAIServer();
  process.env['OPENAI_BASE_URL'] = llm.baseURL;
  process.env['OPENAI_API_KEY'] = KEY;
  f = await startFixture();
});
afterAll(async () => {
  await f?.close();
  await llm?.close();
  for (const [k, v] of [['OPENAI_BASE_URL', saved.base], ['OPENAI_API_KEY', saved.key]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

it('a streamed planner answer reaches the thread stream as id-less delta events, redacted, before the stored thought', async () => {
  const pieces = ['{"kind":"done","thought":"key ', KEY.slice(0, 10), KEY.slice(10), '","answer":"hello","question":null,"step":null,"plan":null}'];
  let subscribed!: () => void;
  // the planner's answer waits until the stream below has delivered its first fact (it is listening)
  llm.reply({ stream: pieces, usage: { prompt_tokens: 3, completion_tokens: 4 }, gate: new Promise<void>((r) => (subscribed = r)) });
  const opened = await f.request('/threads', { body: { threadId: 'live', intent: 'say hello' } });
  expect(opened.status).toBe(201);
  const got: SseEvent[] = [];
  const sse = openSse(`${f.url}/threads/live/stream`, undefined, (e) => {
    got.push(e);
    subscribed();
  });
  await waitFor('the interaction to finish', () => (got.some((e) => e.event === 'done') ? true : undefined));
  sse.stop();
  await sse.done;
  const deltas = got.filter((e) => e.event === 'delta');
  expect(deltas.length).toBeGreaterThan(0);
  for (const d of deltas) {
    expect(d.id).toBe('');
    expect(d.data).toMatchObject({ type: 'thought', kind: 'delta', ephemeral: true, threadId: 'live', iteration: 1 });
  }
  const text = deltas.map((d) => d.data['text'] as string).join('');
  expect(text).toBe(pieces.join('').replace(KEY, '***'));
  const thought = got.findIndex((e) => e.event === 'thought');
  expect(thought).toBeGreaterThan(got.indexOf(deltas[deltas.length - 1]!));
  expect(got.filter((e) => e.id !== '').every((e) => /^\d+$/.test(e.id))).toBe(true);
});
