import { describe, expect, it } from 'vitest';
import type { PolicySpec } from '../../src/facts/facts/thread-facts.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import { harness, planOf, readThread, settle, until } from './runtime-fixtures.ts';

/** First planning call: one gated step; afterwards: done, echoing the inputs seen. */
const gatedThenDone = (req: PlanningRequest): PlannerOutput =>
  req.observations.length === 0
    ? planOf([{ id: 'g', action: 't.gate', input: { label: req.input } }])
    : { kind: 'done', answer: [req.input, ...req.mergedInputs].join('+') };

async function started(policy: PolicySpec, policies = {}) {
  const h = harness({ script: gatedThenDone, policies });
  await h.rt.openThread({ threadId: 't', policy });
  return h;
}

const key = (i: string): string => `t/${i}/p1/g/1`;

describe('concurrency policies in the runtime (each decision recorded as PolicyApplied)', () => {
  it('reject: input while an interaction is live is refused; nothing starts', async () => {
    const h = await started({ kind: 'reject' });
    await h.rt.send('t', 'first');
    expect(await h.rt.send('t', 'second')).toMatchObject({ decision: 'reject' });
    expect(h.rt.state('t').live).toEqual(['i1']);
    await until(() => h.gate.pending.has(key('i1')));
    h.gate.release(key('i1'));
    const s = await settle(h.rt, 't', h.clock);
    expect(Object.keys(s.interactions)).toEqual(['i1']);
    const applied = (await readThread(h.store, 't')).filter((e) => e.type === 'PolicyApplied').map((e) => (e.data as { decision: string }).decision);
    expect(applied).toEqual(['start', 'reject']);
    await h.rt.close();
  });

  it('enqueue: queued inputs start in FIFO order, one at a time, when the live one ends', async () => {
    const h = await started({ kind: 'enqueue' });
    await h.rt.send('t', 'a');
    expect(await h.rt.send('t', 'b')).toMatchObject({ decision: 'enqueue' });
    expect(await h.rt.send('t', 'c')).toMatchObject({ decision: 'enqueue' });
    expect(h.rt.state('t').queue.map((q) => q.text)).toEqual(['b', 'c']);
    for (const id of ['i1', 'i2', 'i3']) {
      await until(() => h.gate.pending.has(key(id)));
      expect(h.rt.state('t').live).toEqual([id]);
      h.gate.release(key(id));
    }
    const s = await settle(h.rt, 't', h.clock);
    expect(Object.values(s.interactions).map((i) => [i.interactionId, i.input, i.status])).toEqual([
      ['i1', 'a', 'completed'],
      ['i2', 'b', 'completed'],
      ['i3', 'c', 'completed'],
    ]);
    await h.rt.close();
  });

  it('interrupt: the running interaction is cancelled (its step aborted) and the new one starts', async () => {
    const h = await started({ kind: 'interrupt' });
    await h.rt.send('t', 'old');
    await until(() => h.gate.pending.has(key('i1')));
    const r = await h.rt.send('t', 'new');
    expect(r).toMatchObject({ decision: 'interrupt', interactionId: 'i2', interrupted: ['i1'] });
    const s1 = h.rt.state('t');
    expect(s1.live).toEqual(['i2']);
    expect(s1.interactions.i1!.status).toBe('cancelled');
    await until(() => h.gate.pending.has(key('i2')));
    expect(h.gate.pending.has(key('i1'))).toBe(false); // aborted through its signal
    h.gate.release(key('i2'));
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i2).toMatchObject({ status: 'completed', answer: 'new' });
    const cancelled = (await readThread(h.store, 't')).find((e) => e.type === 'StepCancelled');
    expect(cancelled?.data).toMatchObject({ interactionId: 'i1', stepId: 'g', reason: expect.stringContaining('interrupted by input') });
    await h.rt.close();
  });

  it('steer: the input is merged into the running interaction and seen at its next planning call', async () => {
    const h = await started({ kind: 'steer' });
    await h.rt.send('t', 'step');
    await until(() => h.gate.pending.has(key('i1')));
    expect(await h.rt.send('t', 'also this')).toMatchObject({ decision: 'steer', interactionId: 'i1' });
    h.gate.release(key('i1'));
    const s = await settle(h.rt, 't', h.clock);
    expect(s.interactions.i1).toMatchObject({ status: 'completed', answer: 'step+also this' });
    expect(Object.keys(s.interactions)).toEqual(['i1']);
    await h.rt.close();
  });

  it('parallel {max 2}: two run at once, the third waits for a free slot', async () => {
    const h = await started({ kind: 'parallel', max: 2 });
    expect((await h.rt.send('t', 'a')).decision).toBe('start');
    expect((await h.rt.send('t', 'b')).decision).toBe('start');
    expect((await h.rt.send('t', 'c')).decision).toBe('enqueue');
    await until(() => h.gate.pending.has(key('i1')) && h.gate.pending.has(key('i2')));
    expect(h.rt.state('t').live).toEqual(['i1', 'i2']);
    h.gate.release(key('i2'));
    await until(() => h.gate.pending.has(key('i3')));
    expect(h.rt.state('t').live).toEqual(['i1', 'i3']);
    h.gate.release(key('i1'));
    h.gate.release(key('i3'));
    const s = await settle(h.rt, 't', h.clock);
    expect(Object.values(s.interactions).every((i) => i.status === 'completed')).toBe(true);
    await h.rt.close();
  });

  it('custom: a registered function decides (here: inputs starting with ! interrupt, others are rejected)', async () => {
    const vip = (ctx: { live: { interactionId: string }[]; input: { text: string } }) =>
      ctx.input.text.startsWith('!')
        ? { decision: 'interrupt' as const, reason: 'urgent', targetInteractionId: ctx.live[0]!.interactionId }
        : { decision: 'reject' as const, reason: 'busy' };
    const h = await started({ kind: 'custom', name: 'vip' }, { vip });
    await h.rt.send('t', 'a');
    expect((await h.rt.send('t', 'b')).decision).toBe('reject');
    expect(await h.rt.send('t', '!c')).toMatchObject({ decision: 'interrupt', interactionId: 'i2' });
    const applied = (await readThread(h.store, 't')).filter((e) => e.type === 'PolicyApplied').map((e) => e.data);
    expect(applied.at(-1)).toMatchObject({ policy: 'custom:vip', decision: 'interrupt', reason: 'urgent', interruptedId: 'i1' });
    await h.rt.close();
  });
});
