/**
 * Any-joins through the runtime (real clock): two branches race, a fast one (50 ms) and a slow one
 * (10 s unless aborted); the join starts on the fast one's output, the slow one is cancelled as
 * superseded and its action sees the abort, the run ends well before the slow branch would have,
 * and the thread replays with `verify` to the same state without calling an action.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import { replayThread } from '../../src/history/replay.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { planOf, readThread, scriptedPlanner } from './runtime-fixtures.ts';

const Out = z.object({ value: z.string() });

/** An action that answers `value` after `ms` milliseconds, or rejects when its signal aborts. */
function delayed(calls: { n: number; aborted: string[] }) {
  return defineAction({
    name: 'race.delay',
    description: 'answers after a delay unless aborted',
    input: z.object({ ms: z.number().int().min(0), value: z.string() }),
    output: Out,
    run: (input, ctx) =>
      new Promise((resolve, reject) => {
        calls.n++;
        const timer = setTimeout(() => resolve({ value: input.value }), input.ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          calls.aborted.push(input.value);
          reject(new Error('aborted'));
        }, { once: true });
      }),
  });
}

const echo = defineAction({ name: 'race.echo', description: 'returns its input', input: Out, output: Out, run: async (input) => input });

describe('any-join through the runtime', () => {
  it('the fast branch wins, the slow one is aborted and superseded, and replay with verify passes', async () => {
    const calls = { n: 0, aborted: [] as string[] };
    const registry = createActionRegistry([delayed(calls), echo]);
    const store = getInMemoryEventStore({ codec: factCodec });
    const planner = scriptedPlanner([
      planOf([
        { id: 'slow', action: 'race.delay', input: { ms: 10_000, value: 'slow' } },
        { id: 'fast', action: 'race.delay', input: { ms: 50, value: 'fast' } },
        { id: 'join', action: 'race.echo', input: { value: 'won: {{steps.$winner.output.value}}' }, dependsOn: { any: ['slow', 'fast'] } },
      ]),
      { kind: 'done', answer: 'raced' },
    ]);
    const rt = createRuntime({ store, actions: registry, plannerFor: () => planner });
    const t0 = performance.now();
    await rt.openThread({ threadId: 'race', input: { text: 'race them' } });
    await rt.whenSettled('race');
    const elapsedMs = performance.now() - t0;
    await rt.close();

    expect(elapsedMs).toBeLessThan(5_000);
    expect(calls.aborted).toEqual(['slow']);
    const events = await readThread(store, 'race');
    const data = (type: string, stepId: string) => events.find((e) => e.type === type && (e.data as { stepId?: string }).stepId === stepId)?.data as Record<string, unknown> | undefined;
    expect(events.some((e) => e.type === 'StepReady')).toBe(false); // readiness is derived; the winner follows from the completions
    expect(events.findIndex((e) => e.type === 'StepCompleted' && (e.data as { stepId?: string }).stepId === 'fast')).toBeLessThan(
      events.findIndex((e) => e.type === 'StepStarted' && (e.data as { stepId?: string }).stepId === 'join'),
    );
    expect(data('StepCompleted', 'slow')).toBeUndefined();
    expect(data('StepCancelled', 'slow')).toMatchObject({ reason: 'superseded' });
    expect(data('StepCompleted', 'fast')).toBeDefined();
    expect(data('StepStarted', 'join')).toMatchObject({ input: { value: 'won: fast' } });
    expect(data('StepCompleted', 'join')).toMatchObject({ output: { value: 'won: fast' } });
    expect(events.find((e) => e.type === 'PlanFinished')?.data).toMatchObject({ outcome: 'completed' });
    expect(events.find((e) => e.type === 'InteractionCompleted')).toBeDefined();

    const before = { actions: calls.n, planner: planner.calls };
    const live = await replayThread(store, 'race');
    const replayed = await replayThread(store, 'race', { verify: true });
    expect(hashThreadState(replayed)).toBe(hashThreadState(live));
    expect({ actions: calls.n, planner: planner.calls }).toEqual(before);
    await store.close();
  });
});
