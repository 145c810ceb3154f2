/**
 * A need_input question: the next planning request carries it with its answer (and so does the
 * prompt), and `show` (text and JSON) displays it while it is pending.
 */
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { gatherShow } from '../../src/cli/commands/show.ts';
import { renderShow } from '../../src/cli/render/show-text.ts';
import { buildPlannerMessages } from '../../src/planner/planner-prompt.ts';
import { harness, readThread, settle } from '../runtime/runtime-fixtures.ts';

describe('need_input', () => {
  it('is shown while pending, then its question reaches the next planner prompt with the answer', async () => {
    const h = harness({ script: [{ kind: 'need_input', question: 'Which branch should I audit?' }, { kind: 'done', answer: 'audited' }] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'audit the repository');
    expect((await settle(h.rt, 't', h.clock)).interactions.i1!.status).toBe('waiting_input');

    const shown = await gatherShow(h.store, 't', undefined);
    expect(shown.interactions[0]).toMatchObject({ status: 'waiting_input', question: 'Which branch should I audit?' });
    const text = renderShow(pc.createColors(false), shown, 'memory:').join('\n');
    expect(text).toContain('question: Which branch should I audit?');
    expect(text).toContain("npx orchestral send t 'your answer' --store memory:");

    await h.rt.send('t', 'main, please');
    expect((await settle(h.rt, 't', h.clock)).interactions.i1!.status).toBe('completed');
    expect(h.planner.requests).toHaveLength(2);
    const second = h.planner.requests[1]!;
    expect(second.mergedInputs).toEqual(['main, please']);
    expect(second.answered).toEqual([{ question: 'Which branch should I audit?', inputIndex: 0 }]);
    const user = buildPlannerMessages(second)[1]!.content;
    expect(user).toContain('- you asked: Which branch should I audit?\n  the user answered: main, please');

    const merged = (await readThread(h.store, 't')).find((e) => e.type === 'InputMerged');
    expect(merged?.data).toMatchObject({ text: 'main, please', question: 'Which branch should I audit?' });
    expect((await gatherShow(h.store, 't', undefined)).interactions[0]!.question).toBeNull();
  });
});
