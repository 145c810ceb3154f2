/**
 * A crash in the middle of a streamed LLM answer: `run --json` is SIGKILLed after it printed the
 * first pieces of the planner's answer (the endpoint sent them and then stalled). Nothing of the
 * answer was recorded (deltas are never stored); `resume` asks again, the second answer is
 * recorded whole, the interaction completes, and replay with hash verification agrees.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { cli, dataOf, startCli, tempDir, threadEvents } from './helpers.ts';

const MODEL = 'gpt-4.1-mini';
let tmp: ReturnType<typeof tempDir>;
let server: FakeOpenAIServer;
beforeEach(async () => {
  tmp = tempDir();
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
  tmp.cleanup();
});

it('SIGKILL mid-stream, then resume: the call is made again, only the full second answer is recorded', async () => {
  const store = `sqlite:${join(tmp.dir, 'events.db')}`;
  const env = { OPENAI_API_KEY: 'k' };
  server.reply({ stream: ['{"kind":"done",', '"thought":"first'], streamHangs: true });
  const run = startCli(['--store', store, 'run', '--intent', 'say hi', '--thread', 'sc', '--model', MODEL, '--base-url', server.baseURL, '--json'], { cwd: tmp.dir, env });
  let printed = '';
  await new Promise<void>((resolve, reject) => {
    run.child.stdout!.on('data', (d: Buffer) => {
      printed += d.toString();
      if (printed.includes('"ephemeral":true')) resolve();
    });
    void run.done.then((r) => reject(new Error(`run ended before streaming (code ${r.code}): ${r.stderr}`)));
  });
  run.child.kill('SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
  expect(printed).toContain('"text":"{\\"kind\\":\\"done\\","');

  const before = await threadEvents(store, 'sc');
  expect(before.map((e) => e.type)).not.toContain('PlannerResponded');
  expect(JSON.stringify(before.map((e) => e.data))).not.toContain('first');

  const second = ['{"kind":"done","thought":"second",', '"answer":"hi","question":null,"step":null,"plan":null}'];
  server.reply({ stream: second, usage: { prompt_tokens: 2, completion_tokens: 2 } });
  const resumed = await cli(['--store', store, 'resume', 'sc'], { cwd: tmp.dir, env });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(server.requests).toHaveLength(2);

  const after = await threadEvents(store, 'sc');
  expect(after.slice(0, before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
  const responded = after.filter((e) => e.type === 'PlannerResponded');
  expect(responded).toHaveLength(1);
  expect(dataOf(responded[0]!)['raw']).toEqual([second.join('')]);
  expect(after.map((e) => e.type)).toContain('InteractionCompleted');
  const replay = await cli(['--store', store, 'replay', 'sc', '--verify'], { cwd: tmp.dir, env });
  expect(replay.code, replay.stderr).toBe(0);
});
