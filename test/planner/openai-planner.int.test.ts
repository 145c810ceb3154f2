import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { createOpenAIPlanner, type OpenAIPlannerOptions } from '../../src/planner/openai-planner.ts';
import { isPlannerError, type PlannerError } from '../../src/planner/errors.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';
import { miniPlanReply, wireReply, wireStep } from './wire-fixtures.ts';

const KEY = 'sk-test-SECRET-0123456789abcdef';

function request(over: Partial<PlanningRequest> = {}): PlanningRequest {
  return {
    threadId: 't1',
    interactionId: 'i1',
    iteration: 1,
    input: 'say hi twice',
    mergedInputs: [],
    observations: [],
    actions: [
      { name: 'echo', description: 'Returns its input text.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } }, requiresApproval: false },
    ],
    signal: new AbortController().signal,
    ...over,
  };
}

async function planError(p: Promise<unknown>): Promise<PlannerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPlannerError(err)).toBe(true);
  return err as PlannerError;
}

let server: FakeOpenAIServer;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

const planner = (over: Partial<OpenAIPlannerOptions> = {}) =>
  createOpenAIPlanner({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: KEY, maxRetries: 2, timeoutMs: 5_000, ...over });

describe('OpenAIPlanner against the fake chat-completions server', () => {
  it('returns a valid plan with usage, cost, request essentials and raw reply', async () => {
    server.reply({ content: miniPlanReply(), usage: { prompt_tokens: 1000, completion_tokens: 200 } });
    const result = await planner({ temperature: 0.2 }).plan(request());

    expect(result.repairs).toBe(0);
    expect(result.output.kind).toBe('mini_plan');
    if (result.output.kind !== 'mini_plan') return;
    expect(result.output.plan.steps.map((s) => s.id)).toEqual(['a', 'b']);
    expect(result.output.plan.steps[1]).toMatchObject({ input: { text: '{{steps.a.output.text}}' }, dependsOn: ['a'], retry: { maxAttempts: 3 } });
    expect(result.output.plan.failurePolicy).toBe('continue');
    // gpt-4o-mini: $0.15 / $0.60 per 1M tokens
    expect(result.usage).toEqual({ model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 200, costUsd: (1000 * 0.15 + 200 * 0.6) / 1e6, calls: 1 });
    expect(result.raw).toEqual([miniPlanReply()]);
    expect(result.request).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, attempts: 1, responseFormat: 'json_schema:planner_output' });

    // What the endpoint received: strict structured output, the prompt built from the request.
    expect(server.requests).toHaveLength(1);
    const body = server.requests[0]!.body;
    if (typeof body === 'string') throw new Error('expected a JSON body');
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.temperature).toBe(0.2);
    expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'planner_output', strict: true } });
    const [system, user] = body.messages!;
    expect(system!.role).toBe('system');
    expect(system!.content).toContain('- echo: Returns its input text.');
    expect(system!.content).toContain('"properties":{"text":{"type":"string"}}');
    expect(user!.content).toContain('say hi twice');
  });

  it('sends observations and merged inputs of later iterations', async () => {
    server.reply({ content: wireReply({ kind: 'done', answer: 'hi hi' }) });
    const result = await planner().plan(
      request({
        iteration: 2,
        mergedInputs: ['louder please'],
        observations: [
          { planId: 'p1', stepId: 'a', action: 'echo', status: 'completed', output: { text: 'hi' } },
          { planId: 'p1', stepId: 'b', action: 'echo', status: 'failed', error: 'boom' },
        ],
      }),
    );
    expect(result.output).toEqual({ kind: 'done', answer: 'hi hi' });
    const user = (server.requests[0]!.body as { messages: { content: string }[] }).messages[1]!.content;
    expect(user).toContain('Planning iteration: 2');
    expect(user).toContain('- louder please');
    expect(user).toContain('step a (echo): completed; output: {"text":"hi"}');
    expect(user).toContain('step b (echo): failed; error: boom');
  });

  it('repairs an invalid reply by sending the validation issues back', async () => {
    const bad = wireReply({ kind: 'single_action', step: wireStep('x', 'echo', { text: 'a' }, { retry: { maxAttempts: 0, backoffMs: 1, maxBackoffMs: 1 } }) });
    server.reply({ content: bad, usage: { prompt_tokens: 10, completion_tokens: 5 } });
    server.reply({ content: wireReply({ kind: 'single_action', step: wireStep('x', 'echo', { text: 'a' }) }), usage: { prompt_tokens: 30, completion_tokens: 6 } });
    const result = await planner().plan(request());

    expect(result.repairs).toBe(1);
    expect(result.output).toMatchObject({ kind: 'single_action', step: { id: 'x', action: 'echo', input: { text: 'a' } } });
    expect(result.usage).toMatchObject({ inputTokens: 40, outputTokens: 11 });
    expect(result.raw).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
    const second = (server.requests[1]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(second.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second[2]!.content).toBe(bad);
    expect(second[3]!.content).toContain("step.retry.maxAttempts");
  });

  it('gives up after maxRepairs on garbage with PlannerError carrying the summed usage and issues', async () => {
    for (let i = 0; i < 3; i++) server.reply({ content: 'Sure! Here is your plan: step one, echo', usage: { prompt_tokens: 100, completion_tokens: 10 } });
    const err = await planError(planner({ maxRepairs: 2 }).plan(request()));

    expect(err.code).toBe('PLANNER_FAILED');
    expect(err.reason).toBe('invalid_output');
    expect(err.repairs).toBe(2);
    expect(err.usage).toMatchObject({ model: 'gpt-4o-mini', inputTokens: 300, outputTokens: 30 });
    expect(err.usage!.costUsd).toBeCloseTo((300 * 0.15 + 30 * 0.6) / 1e6, 12);
    expect(err.issues.join('\n')).toContain('not valid JSON');
    expect(err.message).toContain('after 2 repair(s)');
    expect(server.requests).toHaveLength(3);
  });

  it('maxRepairs 0 fails on the first invalid reply', async () => {
    server.reply({ content: wireReply({ kind: 'need_input' }) });
    const err = await planError(planner({ maxRepairs: 0 }).plan(request()));
    expect(err.issues).toEqual([expect.stringMatching(/^question: /)]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries 429 (retry-after) then succeeds', async () => {
    server.reply({ status: 429, headers: { 'retry-after': '0' } }, { content: wireReply({ kind: 'done', answer: 'ok' }) });
    const result = await planner().plan(request());
    expect(result.output).toEqual({ kind: 'done', answer: 'ok' });
    expect(server.requests).toHaveLength(2);
    expect(result.usage?.calls).toBe(2); // the retried request counts
    expect(result.request).toMatchObject({ attempts: 1, requests: 2 });
  });

  it('retries 500 then succeeds', async () => {
    server.reply({ status: 500, headers: { 'retry-after-ms': '1' } }, { status: 503, headers: { 'retry-after-ms': '1' } }, { content: wireReply({ kind: 'done', answer: 'ok' }) });
    const result = await planner().plan(request());
    expect(result.output).toEqual({ kind: 'done', answer: 'ok' });
    expect(server.requests).toHaveLength(3);
  });

  it('fails with reason http once retries are exhausted, and does not retry a 400', async () => {
    server.reply(...Array.from({ length: 3 }, () => ({ status: 500, headers: { 'retry-after-ms': '1' } })));
    const err = await planError(planner({ maxRetries: 2 }).plan(request()));
    expect(err).toMatchObject({ reason: 'http', retryable: true });
    expect(server.requests).toHaveLength(3);

    server.reply({ status: 400, body: { error: { message: 'bad model' } } });
    const bad = await planError(planner().plan(request()));
    expect(bad).toMatchObject({ reason: 'http', retryable: false });
    expect(bad.message).toContain('bad model');
    expect(server.requests).toHaveLength(4);
  });

  it('times out fast with reason timeout', async () => {
    server.reply({ delayMs: 10_000, content: wireReply({ kind: 'done', answer: 'late' }) });
    const err = await planError(planner({ timeoutMs: 300, maxRetries: 0 }).plan(request()));
    expect(err).toMatchObject({ reason: 'timeout', retryable: true, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 1 } });
  });

  it('honours the request signal', async () => {
    server.reply({ delayMs: 10_000, content: wireReply({ kind: 'done', answer: 'late' }) });
    const ac = new AbortController();
    const p = planner().plan(request({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 20);
    const err = await planError(p);
    expect(err).toMatchObject({ reason: 'aborted', retryable: false });
  });

  it('reports a 200 answer that is not a completion as bad_response', async () => {
    server.reply({ body: '<html>proxy error</html>' });
    const err = await planError(planner().plan(request()));
    expect(err.reason).toBe('bad_response');
  });

  it('never lets the API key reach the result, the error or a log line', async () => {
    const logged: string[] = [];
    const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((m) => {
      const orig = console[m];
      console[m] = (...args: unknown[]) => void logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      return () => (console[m] = orig);
    });
    try {
      process.env['OPENAI_LOG'] = 'debug';
      const p = planner({ maxRepairs: 1 });
      server.reply({ status: 429, headers: { 'retry-after': '0' } }, { content: `not json ${KEY}` }, { content: miniPlanReply() });
      const ok = await p.plan(request());
      server.reply({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } });
      const err = await planError(p.plan(request()));

      expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
      const recorded = JSON.stringify({ ok, err, message: err.message, stack: err.stack, logged });
      expect(recorded.includes(KEY), 'the key appears in a result, error or log line').toBe(false);
      expect(err.message).toContain('Incorrect API key provided: ***');
      expect(logged.length).toBeGreaterThan(0);
    } finally {
      delete process.env['OPENAI_LOG'];
      spies.forEach((restore) => restore());
    }
  });
});

describe('what planner calls cost and count', () => {
  it('counts every request: an HTTP retry and a repair are calls, their tokens summed', async () => {
    server.reply(
      { status: 500, headers: { 'retry-after-ms': '1' } },
      { content: 'not json', usage: { prompt_tokens: 100, completion_tokens: 10 } },
      { content: wireReply({ kind: 'done', answer: 'ok' }), usage: { prompt_tokens: 150, completion_tokens: 5 } },
    );
    const result = await planner().plan(request());
    expect(server.requests).toHaveLength(3);
    expect(result.repairs).toBe(1);
    expect(result.usage).toMatchObject({ inputTokens: 250, outputTokens: 15, calls: 3 });
    expect(result.request).toMatchObject({ attempts: 2, requests: 3 });
  });

  it('a stalled endpoint: a typed timeout after 1 + maxRetries requests, all counted', async () => {
    server.reply({ hang: true }, { hang: true }, { hang: true });
    const err = await planError(planner({ timeoutMs: 200, maxRetries: 1 }).plan(request()));
    expect(err).toMatchObject({ reason: 'timeout', retryable: true, usage: { calls: 2, inputTokens: 0, costUsd: 0 } });
    expect(server.requests).toHaveLength(2);
  });

  it('keeps the tokens of a refused reply on the error', async () => {
    server.reply({ content: 'garbage', usage: { prompt_tokens: 40, completion_tokens: 4 } }, { refusal: 'I will not plan that', usage: { prompt_tokens: 70, completion_tokens: 7 } });
    const err = await planError(planner().plan(request()));
    expect(err).toMatchObject({ reason: 'bad_response', retryable: false });
    expect(err.message).toContain('the model refused: I will not plan that');
    expect(err.usage).toMatchObject({ model: 'gpt-4o-mini', inputTokens: 110, outputTokens: 11, calls: 2 });
    expect(err.usage!.costUsd).toBeCloseTo((110 * 0.15 + 11 * 0.6) / 1e6, 12);
  });
});
