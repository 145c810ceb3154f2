/**
 * Effect results nobody awaits still reach someone: a result that cannot be decided stops the
 * thread's runner (ThreadStoppedError for waiters and later commands) instead of vanishing, and a
 * planner answer that fails its fact's schema is recorded as a failed planning call.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import { createThreadRunner } from '../../src/runtime/thread-runner.ts';
import type { RunnerEnv } from '../../src/runtime/effects.ts';
import { initialThreadState } from '../../src/history/fold/thread-state.ts';
import { DEFAULT_MAX_EVENT_BYTES } from '../../src/store/codec.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { harness, readThread, rejection, testActions } from './runtime-fixtures.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

/** A runner of thread 't' on an in-memory store that owns the thread, planning with `planner`. */
function ownedRunner(planner: RunnerEnv['planner']) {
  const clock = new SimulatedClock();
  const store = getInMemoryEventStore({ codec: factCodec, clock });
  const runner = createThreadRunner(initialThreadState('t'), {
    store,
    actions: testActions().registry,
    clock,
    ids: sequentialIds(1),
    workspace: '/',
    hashEvery: 'append',
    maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
    planner,
    claim: { owns: () => true, onChange: () => () => undefined }, // this runner owns the thread
  });
  return { store, runner };
}

describe('effect results', () => {
  it("an effect's result that throws while being decided stops the runner: waiters and later commands get THREAD_STOPPED, nothing is appended", async () => {
    const { store, runner } = ownedRunner(() => {
      throw new Error('no planner in this test');
    });
    await runner.command((draft) => draft.add([{ type: 'ThreadOpened', data: { threadId: 't', policy: { kind: 'enqueue' }, maxIterations: 8 } }]), 'c1');
    const settled = rejection(runner.whenSettled());
    runner.post({
      decide(draft) {
        draft.add([{ type: 'ThreadClosed', data: {} }]);
        throw new Error('result could not be decided');
      },
    });
    const err = (await settled) as Error & { code: string; cause?: unknown };
    expect(err.code).toBe('THREAD_STOPPED');
    expect(err.message).toMatch(/^thread 't' stopped: result could not be decided/);
    expect(runner.failure).toBe(err);
    expect(((await rejection(runner.command(() => undefined, 'c2'))) as { code: string }).code).toBe('THREAD_STOPPED');
    expect((await readThread(store, 't')).map((e) => e.type)).toEqual(['ThreadOpened']);
    await runner.close();
  });

  it("keeps the origin of an effect while its interaction is live and forgets it once the interaction ended", async () => {
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const { runner } = ownedRunner(() => ({ plan: async () => (await answered, { output: { kind: 'done', answer: 'ok' }, repairs: 0 }) }));
    await runner.command((draft) => draft.add([{ type: 'ThreadOpened', data: { threadId: 't', policy: { kind: 'enqueue' }, maxIterations: 8 } }]), 'c1');
    await runner.command(
      (draft) =>
        draft.add([
          { type: 'InputReceived', data: { inputId: 'in1', text: 'go' } },
          { type: 'PolicyApplied', data: { inputId: 'in1', decision: 'start', policy: 'enqueue', reason: 'idle', interactionId: 'i1' } },
          { type: 'InteractionStarted', data: { interactionId: 'i1', inputId: 'in1', text: 'go', maxIterations: 3 } },
          { type: 'PlanningRequested', data: { interactionId: 'i1', iteration: 1 } },
        ]),
      'c2',
    );
    expect([...runner.origins.keys()]).toEqual(['plan/i1/1']);
    release();
    const s = await runner.whenSettled();
    expect(s.thread.context.live).toEqual([]);
    expect(runner.origins.size).toBe(0);
    await runner.close();
  });

  it('a planner answer that fails its fact schema is a failed planning call (PLANNER_OUTPUT); the thread goes on', async () => {
    const h = harness({ script: [{ kind: 'bogus' } as unknown as PlannerOutput] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    const s = await h.rt.whenSettled('t');
    expect(s.interactions.i1!.status).toBe('failed');
    expect(s.interactions.i1!.error).toMatchObject({ code: 'PLANNER_OUTPUT', retryable: false });
    const types = (await readThread(h.store, 't')).map((e) => e.type);
    expect(types.filter((t) => t === 'PlannerFailed')).toHaveLength(1);
    expect(h.planner.calls).toBe(1);
    await h.rt.send('t', 'again');
    await h.rt.whenSettled('t');
    expect(h.planner.calls).toBe(2);
    await h.rt.close();
  });
});
