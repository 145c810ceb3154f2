/**
 * `run --intent … --fallback-model model=url`: the planner's endpoint refuses connections (a closed
 * port), the fallback candidate (the local fake chat-completions server) answers; the switch is a
 * `ModelSwitched` fact, the candidates are in the descriptor, and a later `send` rebuilt from it
 * falls back again.
 */
import { closedPortURL } from '../support/fake-openai-server.ts';
import { describe, expect, it } from 'vitest';
import { wireReply } from '../planner/wire-fixtures.ts';
import { cli, dataOf, oneLineError, threadEvents, useFakeOpenAIServerWorkspace } from './helpers.ts';

const ws = useFakeOpenAIServerWorkspace();

describe('run --fallback-model', () => {
  it('answers from the fallback when the planner endpoint is down, recording the switch; send falls back again', async () => {
    const down = await closedPortURL();
    ws.server.reply({ content: wireReply({ kind: 'done', answer: 'hi' }) });
    const env = { OPENAI_API_KEY: 'sk-test-key-0123456789abcdefghij', ORCHESTRAL_PLANNER_RETRIES: '0' };
    const r = await cli(
      ['--store', ws.store, 'run', '--intent', 'say hi', '--thread', 'ai', '--model', 'gpt-4o', '--base-url', down, '--fallback-model', `gpt-4o-mini=${ws.server.baseURL}`],
      { cwd: ws.dir, env },
    );
    expect(r.code, r.stderr).toBe(0);
    const events = await threadEvents(ws.store, 'ai');
    expect(dataOf(events[0]!)['planner']).toMatchObject({ kind: 'openai', config: { model: 'gpt-4o', baseURL: down, models: [{ model: 'gpt-4o-mini', baseURL: ws.server.baseURL }] } });
    const switched = events.filter((e) => e.type === 'ModelSwitched').map(dataOf);
    expect(switched).toEqual([expect.objectContaining({ from: { model: 'gpt-4o', baseURL: down }, to: { model: 'gpt-4o-mini', baseURL: ws.server.baseURL } })]);
    expect(dataOf(events.find((e) => e.type === 'PlannerResponded')!)['usage']).toMatchObject({ model: 'gpt-4o-mini' });

    ws.server.reply({ content: wireReply({ kind: 'done', answer: 'again' }) });
    const again = await cli(['--store', ws.store, 'send', 'ai', 'once more'], { cwd: ws.dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect((await threadEvents(ws.store, 'ai')).filter((e) => e.type === 'ModelSwitched')).toHaveLength(2);
    expect(ws.server.requests).toHaveLength(2);
  });

  it('refuses a malformed value with one line, exit 64', async () => {
    const bad = await cli(['--store', 'memory:', 'run', '--intent', 'x', '--base-url', ws.server.baseURL, '--fallback-model', 'm=not a url'], { cwd: ws.dir });
    expect(bad.code).toBe(64);
    expect(oneLineError(bad)).toContain('--fallback-model');
    expect(ws.server.requests).toHaveLength(0);
  });
});
