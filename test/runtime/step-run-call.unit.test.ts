/**
 * What the runtime hands a step's run besides its input: the step's `timeoutMs` (an action that
 * ignores its signal fails the attempt with STEP_TIMEOUT), a live delta sink (`ctx.delta` pieces
 * reach `deltas$` as `content` naming plan, step and attempt) and the fact that started it (the
 * outcome's causation id is its StepStarted's event id).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction, type Action } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import type { InteractionDelta } from '../../src/runtime/live-deltas.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { scriptedPlanner } from '../../src/testing/scripted-planner.ts';

const actions = [
  defineAction({ name: 't.hang', description: 'never settles', input: z.object({}), output: z.object({}), run: () => new Promise<never>(() => {}) }),
  defineAction({
    name: 't.stream',
    description: 'streams two pieces',
    input: z.object({}),
    output: z.object({ n: z.number() }),
    async run(_input, ctx) {
      ctx.delta?.('hel');
      await new Promise((resolve) => setTimeout(resolve, 5));
      ctx.delta?.('lo');
      return { n: 1 };
    },
  }),
] as unknown as Action[];

describe('a step run', () => {
  it('gets its timeout, its live delta sink and its StepStarted as the cause of its outcome', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    const planner = scriptedPlanner([
      {
        kind: 'mini_plan',
        plan: {
          failurePolicy: 'continue',
          steps: [
            { id: 'a', action: 't.stream' },
            { id: 'b', action: 't.hang', timeoutMs: 30 },
          ],
        },
      },
      { kind: 'done', answer: 'ok' },
    ]);
    const rt = createRuntime({ store, actions: createActionRegistry(actions), plannerFor: () => planner });
    await rt.openThread({ threadId: 't' });
    const deltas: InteractionDelta[] = [];
    const sub = rt.deltas$('t').subscribe((d) => deltas.push(d));
    await rt.send('t', 'go');
    await rt.whenSettled('t');
    sub.unsubscribe();
    const events: RecordedEvent[] = [];
    for await (const e of store.readStream('thread-t')) events.push(e);
    await rt.close();

    const of = (type: string, stepId: string) => events.find((e) => e.type === type && (e.data as { stepId?: string }).stepId === stepId);
    expect((of('StepFailed', 'b')?.data as { error: { code: string } }).error.code).toBe('STEP_TIMEOUT');
    expect(of('StepCompleted', 'a')?.metadata.causationId).toBe(of('StepStarted', 'a')?.id);
    expect(of('StepFailed', 'b')?.metadata.causationId).toBe(of('StepStarted', 'b')?.id);
    const content = deltas.filter((d) => d.type === 'content');
    expect(content.map((d) => d.text).join('')).toBe('hello');
    for (const d of content) expect(d).toMatchObject({ planId: 'p1', stepId: 'a', attempt: 1, ephemeral: true });
  });
});
