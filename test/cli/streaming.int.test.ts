/**
 * Token streaming end to end: against the local fake speaking the streaming wire format (SSE
 * chunks, a final usage chunk, `[DONE]`), `run --json` prints the text pieces of the planner's and
 * `llm.complete`'s answers in order as unstored deltas, and the recorded facts hold their
 * concatenation and the usage of the final chunk.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, dataOf, threadEvents, useFakeOpenAIServerWorkspace } from './helpers.ts';

const MODEL = 'gpt-4.1-mini';
const ws = useFakeOpenAIServerWorkspace();

type Line = Record<string, unknown>;
const lines = (stdout: string): Line[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
const deltas = (out: Line[], type: string): Line[] => out.filter((l) => l['type'] === type && l['ephemeral'] === true);

describe('run --json with streamed answers', () => {
  it('the planner: thought deltas in order, then the stored updates; PlannerResponded.raw is their concatenation', async () => {
    const pieces = ['{"kind":"done",', '"thought":"easy",', '"answer":"hi",', '"question":null,"step":null,"plan":null}'];
    ws.server.reply({ stream: pieces, usage: { prompt_tokens: 7, completion_tokens: 5 } });
    const r = await cli(['--store', ws.store, 'run', '--intent', 'say hi', '--thread', 's1', '--model', MODEL, '--base-url', ws.server.baseURL, '--json'], {
      cwd: ws.dir,
      env: { OPENAI_API_KEY: 'k' },
    });
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    const live = deltas(out, 'thought');
    expect(live.map((d) => d['text'])).toEqual(pieces);
    for (const d of live) {
      expect(d).toMatchObject({ kind: 'delta', threadId: 's1', iteration: 1 });
      expect(d).not.toHaveProperty('position');
    }
    const stored = out.findIndex((l) => l['type'] === 'thought' && l['position'] !== undefined);
    expect(stored).toBeGreaterThan(out.indexOf(live[live.length - 1]!));
    expect(out[stored]).toMatchObject({ text: 'easy' });
    expect(out.find((l) => l['type'] === 'done')).toMatchObject({ answer: 'hi' });
    expect(ws.server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const responded = (await threadEvents(ws.store, 's1')).find((e) => e.type === 'PlannerResponded')!;
    expect(dataOf(responded)['raw']).toEqual([pieces.join('')]);
    expect(dataOf(responded)['usage']).toMatchObject({ model: MODEL, inputTokens: 7, outputTokens: 5, calls: 1 });
    expect((await threadEvents(ws.store, 's1')).some((e) => JSON.stringify(e.data).includes('"ephemeral"'))).toBe(false);
  });

  it('llm.complete: content deltas of the step in order; the step output is their concatenation, its usage the final chunk', async () => {
    writeFileSync(join(ws.dir, 'llm.yaml'), ['title: stream', 'steps:', '  - { id: ask, action: llm.complete, input: { prompt: capital? } }', ''].join('\n'));
    const pieces = ['The ', 'capital ', 'is ', 'Paris.'];
    ws.server.reply({ stream: pieces, usage: { prompt_tokens: 3, completion_tokens: 4 } });
    const env = { OPENAI_BASE_URL: ws.server.baseURL, OPENAI_API_KEY: 'k', ORCHESTRAL_MODEL: MODEL };
    const r = await cli(['--store', ws.store, 'run', 'llm.yaml', '--thread', 's2', '--json'], { cwd: ws.dir, env });
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    const live = deltas(out, 'content');
    expect(live.map((d) => d['text'])).toEqual(pieces);
    for (const d of live) expect(d).toMatchObject({ kind: 'delta', stepId: 'ask', attempt: 1 });
    const start = out.findIndex((l) => l['type'] === 'tool_start');
    const end = out.findIndex((l) => l['type'] === 'tool_end');
    expect(start).toBeLessThan(out.indexOf(live[0]!));
    expect(end).toBeGreaterThan(out.indexOf(live[live.length - 1]!));
    expect(out[end]).toMatchObject({ output: { text: pieces.join('') } });

    const completed = (await threadEvents(ws.store, 's2')).find((e) => e.type === 'StepCompleted')!;
    expect(dataOf(completed)['output']).toMatchObject({ text: pieces.join('') });
    expect(dataOf(completed)['usage']).toEqual([{ model: MODEL, inputTokens: 3, outputTokens: 4, calls: 1, costUsd: expect.closeTo((3 * 0.4 + 4 * 1.6) / 1e6, 12) }]);
  });
});
