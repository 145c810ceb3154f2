/**
 * A step runs the input recorded in its StepStarted (references resolved once, when the start was
 * decided), not a second resolution at run time; a StepStarted without `input` (older facts) still
 * runs, its references resolved from the recorded outputs.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { harness, planOf, readThread, settle, testActions, until } from './runtime-fixtures.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

type StepData = { stepId: string; input?: unknown; output?: unknown };
const stepOf = (e: RecordedEvent): string => (e.data as StepData).stepId;

/** A real run of a → b (b's input refers to a's output); the thread's events. */
async function recordRun(): Promise<RecordedEvent[]> {
  const actions = testActions();
  const h = harness({
    actions,
    script: [planOf([{ id: 'a', action: 't.gate' }, { id: 'b', action: 't.ok', input: { value: '{{steps.a.output.n}}' }, dependsOn: ['a'] }]), { kind: 'done', answer: 'ok' }],
  });
  await h.rt.openThread({ threadId: 't' });
  await h.rt.send('t', 'go');
  await until(() => actions.gate.pending.has('t/i1/p1/a/1'));
  actions.gate.release('t/i1/p1/a/1', { n: 'resolved' });
  await settle(h.rt, 't');
  const events = await readThread(h.store, 't');
  await h.rt.close();
  return events;
}

/**
 * The run cut right after b's StepStarted (b running, its outcome not recorded: a crash), that
 * fact's data replaced by `edit(data)`, loaded by a fresh runtime; returns what b completed with.
 */
async function rerunB(events: RecordedEvent[], edit: (data: Record<string, unknown>) => Record<string, unknown>): Promise<unknown> {
  const cut = events.findIndex((e) => e.type === 'StepStarted' && stepOf(e) === 'b');
  expect(cut).toBeGreaterThan(0);
  const clock = new SimulatedClock();
  const log = createInMemoryLog();
  const store = getInMemoryEventStore({ codec: factCodec, clock, log });
  for (const [i, e] of events.slice(0, cut + 1).entries()) {
    const data = i === cut ? edit(e.data as Record<string, unknown>) : e.data;
    await store.appendToStream('thread-t', [{ id: e.id, type: e.type, data, metadata: { schemaVersion: e.metadata.schemaVersion } }], { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) });
  }
  const h = harness({ log, clock, seed: 2 });
  await h.rt.load('t');
  await settle(h.rt, 't', clock);
  const after = await readThread(h.store, 't');
  await h.rt.close();
  const completed = after.find((e) => e.type === 'StepCompleted' && stepOf(e) === 'b');
  return (completed?.data as StepData | undefined)?.output;
}

describe('the input a step runs', () => {
  it('is the input recorded in StepStarted', async () => {
    const events = await recordRun();
    const started = events.find((e) => e.type === 'StepStarted' && stepOf(e) === 'b');
    expect((started?.data as StepData).input).toEqual({ value: 'resolved' });
    // a re-run after a crash runs what was recorded, even where a resolution now would differ
    expect(await rerunB(events, (d) => ({ ...d, input: { value: 'recorded' } }))).toEqual({ value: 'recorded' });
  });

  it('is resolved from the recorded outputs for a StepStarted without input (older facts)', async () => {
    const events = await recordRun();
    expect(await rerunB(events, ({ input: _input, ...d }) => d)).toEqual({ value: 'resolved' });
  });
});
