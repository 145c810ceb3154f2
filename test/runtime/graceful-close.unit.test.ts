/**
 * Graceful close: results that already arrived when a runtime closes (a step attempt whose action
 * just finished, a planner answer) are recorded before its effects are aborted and its leases given
 * back, so the next owner does not run them again; effects still running are aborted and not
 * recorded, and nothing new is started once the close began.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import type { PlannerResult } from '../../src/planner/planner.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { harness, planOf, readThread, settle, testActions, until } from './runtime-fixtures.ts';

const stepIdOf = (e: { data: unknown }): string => (e.data as { stepId: string }).stepId;
const OUTCOMES = new Set(['StepCompleted', 'StepFailed', 'StepCancelled']);

describe('runtime close drains finished results', () => {
  it('records a step that finished right before close, aborts the running one; the next runtime re-runs only that one', async () => {
    const log = createInMemoryLog();
    const clock = new SimulatedClock();
    const actions = testActions();
    const first = harness({ log, clock, actions, script: [planOf([{ id: 'a', action: 't.gate' }, { id: 'b', action: 't.gate' }])], seed: 1 });
    await first.rt.openThread({ threadId: 't', input: { text: 'go' } });
    await until(() => actions.gate.pending.has('t/i1/p1/a/1') && actions.gate.pending.has('t/i1/p1/b/1'));

    actions.gate.release('t/i1/p1/a/1', { n: 1 }); // finishes now; its result is not in the mailbox yet
    await first.rt.close();

    const afterClose = await readThread(first.store, 't');
    const outcomes = afterClose.filter((e) => OUTCOMES.has(e.type)).map((e) => [e.type, stepIdOf(e)]);
    expect(outcomes).toEqual([['StepCompleted', 'a']]);
    expect(actions.gate.pending.size).toBe(0); // b was aborted

    const second = harness({ log, clock, actions, script: [{ kind: 'done', answer: 'ok' }], seed: 2 });
    await second.rt.load('t');
    await until(() => actions.gate.pending.has('t/i1/p1/b/1'));
    actions.gate.release('t/i1/p1/b/1', { n: 2 });
    const s = await settle(second.rt, 't', clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed' });
    expect(actions.counters.keys.filter((k) => k.startsWith('t/i1/p1/a/'))).toEqual(['t/i1/p1/a/1']);
    expect(actions.counters.keys.filter((k) => k.startsWith('t/i1/p1/b/'))).toEqual(['t/i1/p1/b/1', 't/i1/p1/b/1']);
    const events = await readThread(second.store, 't');
    expect(events.filter((e) => e.type === 'StepCompleted').map(stepIdOf).sort()).toEqual(['a', 'b']);
    await second.rt.close();
  });

  it('records a planner answer that arrived right before close without starting its steps; the next runtime does not plan again', async () => {
    const log = createInMemoryLog();
    const clock = new SimulatedClock();
    const actions = testActions();
    let answer: ((r: PlannerResult) => void) | undefined;
    const deferred = { plan: () => new Promise<PlannerResult>((resolve) => (answer = resolve)) };
    const first = harness({ log, clock, actions, planner: deferred, seed: 1 });
    await first.rt.openThread({ threadId: 't', input: { text: 'go' } });
    await until(() => answer !== undefined);

    answer!({ output: planOf([{ id: 'a', action: 't.ok', input: { value: 1 } }]), repairs: 0 });
    await first.rt.close();

    const afterClose = await readThread(first.store, 't');
    expect(afterClose.filter((e) => e.type === 'PlannerResponded')).toHaveLength(1);
    expect(actions.counters.keys).toEqual([]); // the plan's step was not run by the closing runtime

    const second = harness({ log, clock, actions, script: [{ kind: 'done', answer: 'ok' }], seed: 2 });
    await second.rt.load('t');
    const s = await settle(second.rt, 't', clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed' });
    expect(second.planner.calls).toBe(1); // only the next iteration's call: the first answer was kept
    expect(actions.counters.keys).toEqual(['t/i1/p1/a/1']);
    await second.rt.close();
  });
});
