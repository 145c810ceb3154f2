/**
 * Facts over the event size limit (1 MiB of encoded JSON by default) never reach the store: a step
 * output, a resolved step input, a planner answer or progress data that would be too large after
 * JSON encoding is recorded as a typed failure (both sizes in bytes) and the thread goes on by its
 * rules; a command whose fact is too large is refused alone. Resuming never re-runs such a step.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { SimulatedClock } from '../../src/core/clock.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { DEFAULT_MAX_EVENT_BYTES } from '../../src/store/codec.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { harness, planOf, readThread, rejection, settle, testActions, until } from './runtime-fixtures.ts';

const LIMIT = DEFAULT_MAX_EVENT_BYTES;
/** 300 000 raw bytes; JSON escapes each \x01 as \u0001, so about 1.8 MB once encoded. */
const CONTROL_BYTES = '\x01'.repeat(300_000);
const done = { kind: 'done', answer: 'ok' } as const;

const data = (e: RecordedEvent): Record<string, unknown> => e.data as Record<string, unknown>;
const ofStep = (events: RecordedEvent[], type: string, stepId: string) => events.filter((e) => e.type === type && data(e)['stepId'] === stepId);
/** Every stored event's data + metadata JSON, bytes, is within the limit. */
const allFit = (events: RecordedEvent[]) => events.every((e) => Buffer.byteLength(JSON.stringify(e.data)) + Buffer.byteLength(JSON.stringify(e.metadata)) <= LIMIT);
const SIZES = /is (\d+) bytes after JSON encoding, over the event limit of (\d+) bytes/;

describe('facts over the event size limit', () => {
  it('an output too large once encoded is a final StepFailed OUTPUT_TOO_LARGE with both sizes; the plan goes on; resume does not re-run it', async () => {
    const log = createInMemoryLog();
    const clock = new SimulatedClock();
    const actions = testActions();
    const plan = planOf(
      [
        { id: 'big', action: 't.gate', retry: { maxAttempts: 3, backoffMs: 10, maxBackoffMs: 10 } },
        { id: 'other', action: 't.ok', input: { value: 1 } },
      ],
      { failurePolicy: 'continue' },
    );
    const h = harness({ log, clock, actions, script: [plan, done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await until(() => actions.gate.pending.has('t/i1/p1/big/1'));
    expect(CONTROL_BYTES.length).toBeLessThan(LIMIT); // too large only after encoding
    actions.gate.release('t/i1/p1/big/1', { text: CONTROL_BYTES });
    const s = await settle(h.rt, 't', clock);

    expect(s.interactions.i1!.status).toBe('completed'); // the planner saw the failure and answered
    const events = await readThread(h.store, 't');
    expect(allFit(events)).toBe(true);
    expect(ofStep(events, 'StepCompleted', 'big')).toEqual([]);
    const failed = ofStep(events, 'StepFailed', 'big');
    expect(failed).toHaveLength(1); // not retried despite maxAttempts 3
    const error = data(failed[0]!)['error'] as { code: string; message: string; retryable: boolean };
    expect(error).toMatchObject({ code: 'OUTPUT_TOO_LARGE', retryable: false });
    expect(data(failed[0]!)['retryAtMs']).toBeNull();
    const [, encoded, limit] = SIZES.exec(error.message)!;
    expect(Number(limit)).toBe(LIMIT);
    expect(Number(encoded)).toBeGreaterThan(6 * CONTROL_BYTES.length); // \u0001 is 6 bytes
    expect(error.message).toContain("step 'big'");
    expect(ofStep(events, 'StepCompleted', 'other')).toHaveLength(1);
    await h.rt.close();

    const again = harness({ log, clock, actions, script: [done], seed: 2 });
    const loaded = await again.rt.load('t');
    expect(loaded.interactions.i1!.status).toBe('completed');
    await again.rt.whenSettled('t');
    expect(actions.counters.calls['t.gate']).toBe(1);
    expect(await readThread(again.store, 't')).toHaveLength(events.length);
    await again.rt.close();
  });

  it('an input too large once its references are resolved fails the attempt before its run (INPUT_TOO_LARGE)', async () => {
    const plan = planOf(
      [
        { id: 'a', action: 't.gate' },
        { id: 'b', action: 't.ok', dependsOn: ['a'], input: { value: ['{{steps.a.output.s}}', '{{steps.a.output.s}}'] } },
      ],
      { failurePolicy: 'continue' },
    );
    const h = harness({ script: [plan, done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await until(() => h.gate.pending.has('t/i1/p1/a/1'));
    h.gate.release('t/i1/p1/a/1', { s: 'x'.repeat(600_000) }); // fits alone, not twice
    await settle(h.rt, 't', h.clock);
    const events = await readThread(h.store, 't');
    expect(allFit(events)).toBe(true);
    expect(ofStep(events, 'StepCompleted', 'a')).toHaveLength(1);
    const started = ofStep(events, 'StepStarted', 'b');
    expect(started).toHaveLength(1);
    expect(data(started[0]!)).not.toHaveProperty('input');
    const error = data(ofStep(events, 'StepFailed', 'b')[0]!)['error'] as { code: string; message: string };
    expect(error.code).toBe('INPUT_TOO_LARGE');
    expect(Number(SIZES.exec(error.message)![1])).toBeGreaterThan(1_200_000);
    expect(h.counters.calls['t.ok'] ?? 0).toBe(0);
    await h.rt.close();
  });

  it("a planner's answer too large to record is a failed planning call (PLAN_TOO_LARGE), not a wedged thread", async () => {
    const huge = planOf([{ id: 'a', action: 't.ok', input: { value: 'y'.repeat(2 * LIMIT) } }]);
    const h = harness({ script: [huge] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    const s = await h.rt.whenSettled('t');
    expect(s.interactions.i1!.status).toBe('failed');
    expect(s.interactions.i1!.error).toMatchObject({ code: 'PLAN_TOO_LARGE' });
    const events = await readThread(h.store, 't');
    expect(allFit(events)).toBe(true);
    const failed = events.filter((e) => e.type === 'PlannerFailed');
    expect(failed).toHaveLength(1);
    expect(data(failed[0]!)['usage']).toMatchObject({ costUsd: 0.001 }); // the call's cost is still counted
    expect(events.some((e) => e.type === 'PlannerResponded')).toBe(false);
    expect(h.planner.calls).toBe(1);
    await h.rt.close();
  });

  it('progress whose data is too large is recorded without it', async () => {
    const chatty = defineAction({
      name: 't.chatty',
      description: 'reports a huge progress payload',
      input: z.object({}),
      output: z.object({ ok: z.boolean() }),
      async run(_input, ctx) {
        ctx.emit({ message: 'dumping', data: { blob: CONTROL_BYTES } });
        await new Promise((r) => setImmediate(r));
        return { ok: true };
      },
    });
    const acts = testActions();
    const registry = createActionRegistry([chatty, ...acts.registry.list()]);
    const h = harness({ actions: { ...acts, registry }, script: [planOf([{ id: 'c', action: 't.chatty' }]), done] });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1!.status).toBe('completed');
    const events = await readThread(h.store, 't');
    const progress = ofStep(events, 'StepProgressed', 'c');
    expect(progress).toHaveLength(1);
    expect(data(progress[0]!)).not.toHaveProperty('data');
    expect(String(data(progress[0]!)['message'])).toMatch(/^dumping \(progress data dropped: it is \d+ bytes after JSON encoding/);
    expect(ofStep(events, 'StepCompleted', 'c')).toHaveLength(1);
    await h.rt.close();
  });

  it('a command whose fact is too large is refused alone (FACT_TOO_LARGE), nothing appended; the thread goes on', async () => {
    const h = harness({ script: [done] });
    await h.rt.openThread({ threadId: 't' });
    const before = await readThread(h.store, 't');
    const err = await rejection(h.rt.send('t', CONTROL_BYTES));
    expect(err.code).toBe('FACT_TOO_LARGE');
    expect(err.message).toMatch(/fact 'InputReceived' is \d+ bytes after JSON encoding, over the event limit of 1048576 bytes/);
    expect(await readThread(h.store, 't')).toHaveLength(before.length);
    await h.rt.send('t', 'small');
    expect((await h.rt.whenSettled('t')).interactions.i1!.status).toBe('completed');
    await h.rt.close();
  });
});
