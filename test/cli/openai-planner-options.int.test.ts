/**
 * The OpenAI planner's request timeout and retries on the command line and in the environment,
 * recorded in the thread's descriptor and used again by later commands; a thread that needs an API
 * key refuses to continue without one. Against the local fake chat-completions server.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { cli, dataOf, oneLineError, tempDir, threadEvents } from './helpers.ts';

const KEY = 'sk-test-key-0123456789abcdefghij';
let tmp: ReturnType<typeof tempDir>;
let store: string;
let server: FakeOpenAIServer;
beforeEach(async () => {
  tmp = tempDir();
  store = `sqlite:${join(tmp.dir, 'events.db')}`;
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
  tmp.cleanup();
});

const run = (extra: string[], env: Record<string, string> = { OPENAI_API_KEY: KEY }) =>
  cli(['--store', store, 'run', '--intent', 'say hi', '--thread', 'ai', '--model', 'gpt-4o-mini', '--base-url', server.baseURL, ...extra], { cwd: tmp.dir, env });

describe('OpenAI planner request options', () => {
  it('a stalled endpoint fails after (1 + retries) requests of --planner-timeout each; resume uses the recorded values', async () => {
    server.reply({ hang: true }, { hang: true });
    const r = await run(['--planner-timeout', '200', '--planner-retries', '1']);
    expect(r.code, r.stderr).toBe(1);
    expect(server.requests).toHaveLength(2);
    const events = await threadEvents(store, 'ai');
    expect(dataOf(events[0]!)['planner']).toMatchObject({ kind: 'openai', config: { timeoutMs: 200, maxRetries: 1, apiKeyEnv: 'OPENAI_API_KEY' } });
    const failed = events.find((e) => e.type === 'PlannerFailed')!;
    expect(dataOf(failed)).toMatchObject({ error: { code: 'PLANNER_FAILED' }, usage: { calls: 2, inputTokens: 0 } });
    expect((dataOf(failed)['error'] as { message: string }).message).toMatch(/timed out/);

    // a later command rebuilds the planner with the recorded timeout and retries, not the environment's
    server.reply({ hang: true }, { hang: true });
    const again = await cli(['--store', store, 'send', 'ai', 'again'], { cwd: tmp.dir, env: { OPENAI_API_KEY: KEY, ORCHESTRAL_PLANNER_RETRIES: '5' } });
    expect(again.code, again.stderr).toBe(1);
    expect(server.requests).toHaveLength(4);
  });

  it('environment variables set them; malformed values are usage errors naming the variable', async () => {
    server.reply({ hang: true });
    const r = await run([], { OPENAI_API_KEY: KEY, ORCHESTRAL_PLANNER_TIMEOUT_MS: '200', ORCHESTRAL_PLANNER_RETRIES: '0' });
    expect(r.code, r.stderr).toBe(1);
    expect(server.requests).toHaveLength(1);
    expect(dataOf((await threadEvents(store, 'ai'))[0]!)['planner']).toMatchObject({ config: { timeoutMs: 200, maxRetries: 0 } });

    for (const [name, value] of [['ORCHESTRAL_PLANNER_TIMEOUT_MS', 'soon'], ['ORCHESTRAL_PLANNER_TIMEOUT_MS', '0'], ['ORCHESTRAL_PLANNER_RETRIES', '-1'], ['ORCHESTRAL_PLANNER_RETRIES', '2.5']] as const) {
      const bad = await cli(['--store', 'memory:', 'run', '--intent', 'x', '--base-url', server.baseURL], { cwd: tmp.dir, env: { [name]: value } });
      expect(bad.code, `${name}=${value}`).toBe(64);
      expect(oneLineError(bad)).toContain(name);
    }
    const flag = await cli(['--store', 'memory:', 'run', '--intent', 'x', '--base-url', server.baseURL, '--planner-retries', 'many'], { cwd: tmp.dir });
    expect(flag.code).toBe(64);
    expect(oneLineError(flag)).toContain('--planner-retries');
    expect(server.requests).toHaveLength(1);
  });

  it('a thread opened with a key does not continue without one: one line naming OPENAI_API_KEY, exit 64, no request', async () => {
    server.reply({ content: '{"kind":"need_input","question":"which?","answer":null,"step":null,"plan":null}' });
    const r = await run([]);
    expect(r.code, r.stderr).toBe(2);
    expect(server.requests).toHaveLength(1);
    const again = await cli(['--store', store, 'send', 'ai', 'this one'], { cwd: tmp.dir, env: { OPENAI_BASE_URL: server.baseURL } });
    expect(again.code, again.stderr).toBe(64);
    expect(oneLineError(again)).toMatch(/^orchestral: thread 'ai' .*OPENAI_API_KEY is not set$/);
    expect(server.requests).toHaveLength(1);
  });
});
