import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { replayThread } from '../../src/history/replay.ts';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import type { ThreadSummary } from '../../src/runtime/thread-summary.ts';
import { assertNoDuplicates, harness, planOf, readThread, testActions } from './runtime-fixtures.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';

/** One step (a gated one for inputs starting with `gate`), then done. */
const script = (req: PlanningRequest) =>
  req.observations.length === 0
    ? planOf([{ id: 'a', action: req.input.startsWith('gate') ? 't.gate' : 't.ok', input: req.input.startsWith('gate') ? {} : { value: req.input } }])
    : ({ kind: 'done', answer: req.input } as const);

async function matchesReplay(store: Parameters<typeof replayThread>[0], s: ThreadSummary): Promise<void> {
  const replayed = await replayThread(store, s.threadId, { toRevision: s.revision });
  expect(hashThreadState(replayed)).toBe(hashThreadState(summaryState(s)));
}

/** Releases gated runs of every runtime until `count` interactions completed in the log. */
async function waitCompleted(hs: Array<ReturnType<typeof harness>>, count: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    for (const h of hs) for (const k of [...h.gate.pending.keys()]) h.gate.release(k);
    const events = await readThread(hs[0]!.store, 't');
    if (events.filter((e) => e.type === 'InteractionCompleted').length >= count) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`fewer than ${count} interactions completed`);
}

describe('single writer per thread: two runtimes on one store', () => {
  it('a stale runtime loses the append, reloads, and re-decides (its input is enqueued, not started twice)', async () => {
    const log = createInMemoryLog();
    const clock = new SimulatedClock();
    const a = harness({ log, clock, seed: 1, script, actions: testActions() });
    const b = harness({ log, clock, seed: 2, script, actions: testActions() });
    await a.rt.openThread({ threadId: 't', policy: { kind: 'enqueue' } });
    await b.rt.load('t');
    await a.rt.send('t', 'gate-a');
    // b still believes nothing is live; its first append conflicts and it re-decides on the new state
    const rb = await b.rt.send('t', 'from-b');
    expect(rb.decision).toBe('enqueue');
    // both runtimes hold the thread, so both may run the started step (at-least-once); one outcome is recorded
    await waitCompleted([a, b], 2);
    const events = await readThread(a.store, 't');
    assertNoDuplicates(events);
    const started = events.filter((e) => e.type === 'InteractionStarted').map((e) => (e.data as { text: string }).text);
    expect(started).toEqual(['gate-a', 'from-b']);
    expect(events.filter((e) => e.type === 'InteractionCompleted')).toHaveLength(2);
    for (const h of [a, b]) await matchesReplay(h.store, h.rt.state('t'));
    await Promise.all([a.rt.close(), b.rt.close()]);
  });

  it('racing commands from both runtimes: every input recorded exactly once, both states replay exactly', async () => {
    const log = createInMemoryLog();
    const clock = new SimulatedClock();
    const a = harness({ log, clock, seed: 1, script, actions: testActions() });
    const b = harness({ log, clock, seed: 2, script, actions: testActions() });
    await a.rt.openThread({ threadId: 't', policy: { kind: 'parallel', max: 3 } });
    await b.rt.load('t');
    const sends = [];
    for (let i = 0; i < 6; i++) sends.push((i % 2 === 0 ? a : b).rt.send('t', `m${i}`, { inputId: `in${i}` }));
    const results = await Promise.all(sends);
    expect(results.map((r) => r.inputId)).toEqual(['in0', 'in1', 'in2', 'in3', 'in4', 'in5']);
    await waitCompleted([a, b], 6);
    const events = await readThread(a.store, 't');
    assertNoDuplicates(events);
    expect(events.filter((e) => e.type === 'InputReceived')).toHaveLength(6);
    expect(events.filter((e) => e.type === 'InteractionCompleted')).toHaveLength(6);
    const ids = events.filter((e) => e.type === 'InteractionStarted').map((e) => (e.data as { interactionId: string }).interactionId);
    expect(new Set(ids).size).toBe(6);
    for (const h of [a, b]) await matchesReplay(h.store, h.rt.state('t'));
    await Promise.all([a.rt.close(), b.rt.close()]);
  });

  it('a command refused after the reload appends nothing (the other runtime closed the thread)', async () => {
    const log = createInMemoryLog();
    const a = harness({ log, seed: 1 });
    const b = harness({ log, seed: 2 });
    await a.rt.openThread({ threadId: 't' });
    await b.rt.load('t');
    await a.rt.closeThread('t', { reason: 'done' });
    const before = (await readThread(a.store, 't')).length;
    await expect(b.rt.send('t', 'late')).rejects.toMatchObject({ code: 'THREAD_CLOSED' });
    expect((await readThread(a.store, 't')).length).toBe(before);
    await Promise.all([a.rt.close(), b.rt.close()]);
  });
});
