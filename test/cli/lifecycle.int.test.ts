/**
 * Thread lifecycle commands through the real CLI: `run --json` (the live interaction stream),
 * `reject`, `send` (a new interaction through the thread's policy, in a later process), `cancel`,
 * `resume` with nothing to do, and `run --intent` with the OpenAI planner against a local fake
 * chat-completions server (the descriptor recorded in ThreadOpened rebuilds it for `send`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { wireReply, wireStep } from '../planner/wire-fixtures.ts';
import { cli, tempDir, threadEvents, dataOf } from './helpers.ts';
import { cliInProcess } from './in-process.ts';

const tmp = tempDir();
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
const o = (...args: string[]) => cli(['--store', store, ...args], { cwd: tmp.dir });
/** As `o`, in this process (for the commands that only read: show, replay). */
const ip = (...args: string[]) => cliInProcess(['--store', store, ...args], { cwd: tmp.dir });
let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  writeFileSync(join(tmp.dir, 'plan-gate.yaml'), 'title: gated plan\nrequiresApproval: true\nsteps:\n  - { id: a, action: echo, input: { x: 1 } }\n');
  writeFileSync(
    join(tmp.dir, 'step-gate.yaml'),
    'title: gated step\nsteps:\n  - { id: a, action: echo, input: { x: 1 } }\n  - { id: publish, action: echo, dependsOn: [a], requiresApproval: true, input: { y: 2 } }\n',
  );
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

describe('thread lifecycle', () => {
  it('run --json prints the live interaction stream (updates as JSON lines), then the outcome', async () => {
    const r = await o('run', 'step-gate.yaml', '--thread', 'j', '--json');
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, -1).map((u) => [u['type'], u['stepId']])).toEqual([
      ['tool_start', 'a'],
      ['tool_end', 'a'],
    ]);
    expect(lines[1]).toMatchObject({ interactionId: 'i1', outcome: 'completed', output: { x: 1 }, action: 'echo' });
    expect(lines.at(-1)).toMatchObject({
      type: 'outcome',
      status: 'paused',
      exitCode: 2,
      interactions: [{ interactionId: 'i1', status: 'waiting_approval' }],
      pendingApprovals: [{ stepId: 'publish' }],
    });
  });

  it('reject cancels the gated plan and the run ends; send starts a new interaction in a later process; cancel ends it', async () => {
    expect((await o('run', 'plan-gate.yaml', '--thread', 'g')).code).toBe(2);
    const rejected = await o('reject', 'g', 'i1.p1.plan', '--reason', 'not today');
    expect(rejected.stderr).toBe('');
    expect(rejected.stdout).toMatch(/rejected plan p1/);
    expect(rejected.stdout).toMatch(/a cancelled/);
    expect(rejected.code).toBe(0);
    const events = await threadEvents(store, 'g');
    expect(events.find((e) => e.type === 'ApprovalRejected')?.data).toMatchObject({ planId: 'p1', reason: 'not today' });

    const sent = await o('send', 'g', 'once more');
    expect(sent.stdout).toMatch(/input .*: start → interaction i2/);
    expect(sent.code).toBe(2); // the new interaction reaches the gate again
    const cancelled = await o('cancel', 'g', '--reason', 'enough');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('cancelled i2 of thread g');
    const nothing = await o('cancel', 'g');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/nothing to cancel/);
    const show = JSON.parse((await ip('show', 'g', '--json')).stdout) as { interactions: Array<{ status: string }> };
    expect(show.interactions.map((i) => i.status)).toEqual(['completed', 'cancelled']);
  });

  it('a thread with --policy reject refuses input while an interaction is live (exit 3)', async () => {
    expect((await o('run', 'plan-gate.yaml', '--thread', 'r', '--policy', 'reject')).code).toBe(2);
    const refused = await o('send', 'r', 'more work');
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/: reject \(interaction i1 is still live\)/);
  });

  it('reject of a step approval cancels that step and the run ends', async () => {
    const rejected = await o('reject', 'j', 'publish', '--reason', 'no');
    expect(rejected.stderr).toBe('');
    expect(rejected.stdout).toMatch(/publish cancelled/);
    expect(rejected.code).toBe(0);
    const show = JSON.parse((await ip('show', 'j', '--json')).stdout) as {
      interactions: Array<{ status: string }>;
      steps: Record<string, { plans: Record<string, { steps: Record<string, { status: string; approval: { status: string; reason: string } | null }> }> }>;
    };
    expect(show.interactions.map((i) => i.status)).toEqual(['completed']);
    const steps = show.steps['i1']!.plans['p1']!.steps;
    expect(steps['a']!.status).toBe('completed');
    expect(steps['publish']!.approval).toMatchObject({ status: 'rejected', reason: 'no' });
    const replay = JSON.parse((await ip('replay', 'j', '--json')).stdout) as { steps: Record<string, { status: string }> };
    expect(replay.steps['i1/p1/publish']!.status).toBe('cancelled');
  });

  // After ApprovalRejected of a step approval the step machine is `cancelled` (waiting_approval +
  // ApprovalRejected → cancelled, no StepCancelled fact); the `steps` projection derives the same.
  it('show agrees with replay on a step whose approval was rejected', async () => {
    const show = JSON.parse((await ip('show', 'j', '--json')).stdout) as {
      steps: Record<string, { plans: Record<string, { steps: Record<string, { status: string }> }> }>;
    };
    expect(show.steps['i1']!.plans['p1']!.steps['publish']!.status).toBe('cancelled');
  });

  it('run --intent plans with the OpenAI planner (fake endpoint); send rebuilds it from the recorded descriptor', async () => {
    server.reply({
      content: wireReply({ kind: 'mini_plan', plan: { title: 'hello', steps: [wireStep('greet', 'echo', { text: 'hi' })], maxConcurrency: null, failurePolicy: null, budget: null, requiresApproval: null, approvalTimeoutMs: null } }),
      usage: { prompt_tokens: 1000, completion_tokens: 100 },
    });
    server.reply({ content: wireReply({ kind: 'done', answer: 'said hi' }), usage: { prompt_tokens: 500, completion_tokens: 10 } });
    const env = { env: { OPENAI_API_KEY: 'sk-test-key-123456' } };
    const r = await cli(['--store', store, 'run', '--intent', 'say hi', '--thread', 'ai', '--model', 'gpt-4o-mini', '--base-url', server.baseURL], { cwd: tmp.dir, ...env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('said hi');
    const opened = (await threadEvents(store, 'ai'))[0]!;
    expect(dataOf(opened)['planner']).toMatchObject({ kind: 'openai', config: { model: 'gpt-4o-mini', baseURL: server.baseURL.replace(/\/$/, '') } });
    expect(JSON.stringify(opened.data)).not.toContain('sk-test-key');

    server.reply({ content: wireReply({ kind: 'done', answer: 'nothing else to do' }) });
    const again = await cli(['--store', store, 'send', 'ai', 'anything else?'], { cwd: tmp.dir, ...env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing else to do');
    expect(server.requests).toHaveLength(3);
    const show = JSON.parse((await ip('show', 'ai', '--json')).stdout) as { costs: { models: Record<string, { inputTokens: number }> } };
    expect(show.costs.models['gpt-4o-mini']!.inputTokens).toBeGreaterThanOrEqual(1500);
  });
});
