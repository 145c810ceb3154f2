/**
 * Routes through the real CLI: an intent matching a route runs its plan with no LLM request (the
 * fallback planner is configured and never called); a non-matching intent goes to the (local
 * wire-format) planner; without a planner it fails with one line; `emit` maps an event to a
 * route's action with the event data as input. Each decision is a `RouteEvaluated` fact, and the
 * threads replay and verify.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { wireReply } from '../planner/wire-fixtures.ts';
import { cli, dataOf, oneLineError, tempDir, threadEvents } from './helpers.ts';
import { cliInProcess } from './in-process.ts';

const tmp = tempDir('orchestral-routes-');
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
let llm: FakeOpenAIServer;
const o = (args: string[], env: Record<string, string> = {}) => cli(['--store', store, ...args], { cwd: tmp.dir, env });
/** As `o`, in this process (for the commands that only read: show, replay). */
const ip = (args: string[]) => cliInProcess(['--store', store, ...args], { cwd: tmp.dir });
const facts = async (thread: string, type: string) => (await threadEvents(store, thread)).filter((e) => e.type === type).map(dataOf);

beforeAll(async () => {
  llm = await startFakeOpenAIServer();
  writeFileSync(
    join(tmp.dir, 'routes.yaml'),
    [
      '- name: say',
      "  match: '^say (?<word>\\w+) twice$'",
      '  plan: ./say.yaml',
      '- name: deploy',
      '  match: { event: deploy }',
      "  action: { name: echo, input: { note: 'deploying {{event.env}}', data: '{{event}}' } }",
    ].join('\n'),
  );
  writeFileSync(
    join(tmp.dir, 'say.yaml'),
    "title: say\nsteps:\n  - { id: one, action: echo, input: { said: '{{match.word}}' } }\n  - { id: two, action: echo, dependsOn: [one], input: { said: '{{match.word}} again', whole: '{{match.0}}' } }\n",
  );
});
afterAll(async () => {
  await llm.close();
  tmp.cleanup();
});

describe('routes', () => {
  it('a matching intent runs the route plan with 0 LLM requests, even with a planner configured', async () => {
    const r = await o(['run', '--routes', 'routes.yaml', '--intent', 'say hi twice', '--thread', 'r1'], { OPENAI_BASE_URL: llm.baseURL });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(llm.requests.length).toBe(0);
    const [route] = await facts('r1', 'RouteEvaluated');
    expect(route).toMatchObject({ iteration: 1, route: { index: 0, name: 'say', on: 'regex', captures: { word: 'hi' } } });
    const outputs = (await facts('r1', 'StepCompleted')).map((d) => d['output']);
    expect(outputs).toEqual([{ said: 'hi' }, { said: 'hi again', whole: 'say hi twice' }]);
    const show = await ip(['show', 'r1']);
    expect(show.stdout).toMatch(/route say/);
  });

  it('with no OpenAI settings at all a matching intent still completes', async () => {
    const r = await o(['run', '--routes', 'routes.yaml', '--intent', 'say yo twice', '--thread', 'r0']);
    expect(r.code).toBe(0);
  });

  it('a non-matching intent uses the fallback planner; the fact says no route matched', async () => {
    llm.reply({ content: wireReply({ kind: 'done', answer: 'nothing to do' }) });
    const r = await o(['run', '--routes', 'routes.yaml', '--intent', 'something else', '--thread', 'r2'], { OPENAI_BASE_URL: llm.baseURL });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(llm.requests.length).toBe(1);
    expect(await facts('r2', 'RouteEvaluated')).toMatchObject([{ route: null, fallback: 'planner' }]);
  });

  it('a non-matching intent without a planner fails with one line', async () => {
    const r = await o(['run', '--routes', 'routes.yaml', '--intent', 'something else', '--thread', 'r3']);
    expect(r.code).toBe(64);
    expect(oneLineError(r)).toMatch(/no route of .*routes\.yaml matches 'something else' and no planner is configured/);
  });

  it('emit maps an event to its route with the event data as input', { timeout: 120_000 }, async () => {
    const opened = await o(['run', '--routes', 'routes.yaml', '--thread', 'ev']);
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);
    const r = await o(['emit', 'ev', 'deploy', '--data', '{"env":"prod"}']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await facts('ev', 'RouteEvaluated')).toMatchObject([{ route: { name: 'deploy', on: 'event', pattern: 'deploy', action: 'echo', captures: { env: 'prod' } } }]);
    expect((await facts('ev', 'StepCompleted')).map((d) => d['output'])).toEqual([{ note: 'deploying prod', data: { env: 'prod' } }]);
    const bad = await o(['emit', 'ev', 'deploy', '--data', '{nope']);
    expect(bad.code).toBe(64);
    expect(llm.requests.length).toBe(1);
  });

  it('routed threads replay and verify', async () => {
    for (const t of ['r1', 'r2', 'ev']) {
      const r = await ip(['replay', t, '--verify']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
});
