/**
 * The OpenAI planner's request timeout and retries on the command line and in the environment,
 * recorded in the thread's descriptor and used again by later commands; a thread that needs an API
 * key refuses to continue without one. Against the local fake chat-completions server.
 */
import { describe, expect, it } from 'vitest';
import { cli, dataOf, oneLineError, threadEvents, useFakeOpenAIServerWorkspace } from './helpers.ts';

const KEY = 'sk-test-key-0123456789abcdefghij';
const ws = useFakeOpenAIServerWorkspace();

const run = (extra: string[], env: Record<string, string> = { OPENAI_API_KEY: KEY }) =>
  cli(['--store', ws.store, 'run', '--intent', 'say hi', '--thread', 'ai', '--model', 'gpt-4o-mini', '--base-url', ws.server.baseURL, ...extra], { cwd: ws.dir, env });

describe('OpenAI planner request options', () => {
  it('a stalled endpoint fails after (1 + retries) requests of --planner-timeout each; resume uses the recorded values', async () => {
    ws.server.reply({ hang: true }, { hang: true });
    const r = await run(['--planner-timeout', '200', '--planner-retries', '1']);
    expect(r.code, r.stderr).toBe(1);
    expect(ws.server.requests).toHaveLength(2);
    const events = await threadEvents(ws.store, 'ai');
    expect(dataOf(events[0]!)['planner']).toMatchObject({ kind: 'openai', config: { timeoutMs: 200, maxRetries: 1, apiKeyEnv: 'OPENAI_API_KEY' } });
    const failed = events.find((e) => e.type === 'PlannerFailed')!;
    expect(dataOf(failed)).toMatchObject({ error: { code: 'PLANNER_FAILED' }, usage: { calls: 2, inputTokens: 0 } });
    expect((dataOf(failed)['error'] as { message: string }).message).toMatch(/timed out/);

    // a later command rebuilds the planner with the recorded timeout and retries, not the environment's
    ws.server.reply({ hang: true }, { hang: true });
    const again = await cli(['--store', ws.store, 'send', 'ai', 'again'], { cwd: ws.dir, env: { OPENAI_API_KEY: KEY, ORCHESTRAL_PLANNER_RETRIES: '5' } });
    expect(again.code, again.stderr).toBe(1);
    expect(ws.server.requests).toHaveLength(4);
  });

  it('environment variables set them; malformed values are usage errors naming the variable', async () => {
    ws.server.reply({ hang: true });
    const r = await run([], { OPENAI_API_KEY: KEY, ORCHESTRAL_PLANNER_TIMEOUT_MS: '200', ORCHESTRAL_PLANNER_RETRIES: '0' });
    expect(r.code, r.stderr).toBe(1);
    expect(ws.server.requests).toHaveLength(1);
    expect(dataOf((await threadEvents(ws.store, 'ai'))[0]!)['planner']).toMatchObject({ config: { timeoutMs: 200, maxRetries: 0 } });

    for (const [name, value] of [['ORCHESTRAL_PLANNER_TIMEOUT_MS', 'soon'], ['ORCHESTRAL_PLANNER_TIMEOUT_MS', '0'], ['ORCHESTRAL_PLANNER_RETRIES', '-1'], ['ORCHESTRAL_PLANNER_RETRIES', '2.5']] as const) {
      const bad = await cli(['--store', 'memory:', 'run', '--intent', 'x', '--base-url', ws.server.baseURL], { cwd: ws.dir, env: { [name]: value } });
      expect(bad.code, `${name}=${value}`).toBe(64);
      expect(oneLineError(bad)).toContain(name);
    }
    const flag = await cli(['--store', 'memory:', 'run', '--intent', 'x', '--base-url', ws.server.baseURL, '--planner-retries', 'many'], { cwd: ws.dir });
    expect(flag.code).toBe(64);
    expect(oneLineError(flag)).toContain('--planner-retries');
    expect(ws.server.requests).toHaveLength(1);
  });

  it('a thread opened with a key does not continue without one: one line naming OPENAI_API_KEY, exit 64, no request', async () => {
    ws.server.reply({ content: '{"kind":"need_input","question":"which?","answer":null,"step":null,"plan":null}' });
    const r = await run([]);
    expect(r.code, r.stderr).toBe(2);
    expect(ws.server.requests).toHaveLength(1);
    const again = await cli(['--store', ws.store, 'send', 'ai', 'this one'], { cwd: ws.dir, env: { OPENAI_BASE_URL: ws.server.baseURL } });
    expect(again.code, again.stderr).toBe(64);
    expect(oneLineError(again)).toMatch(/^orchestral: thread 'ai' .*OPENAI_API_KEY is not set$/);
    expect(ws.server.requests).toHaveLength(1);
  });
});
