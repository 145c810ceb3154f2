/**
 * `createTestRuntime`, `scriptedPlanner` and `checkReplay` (orchestral/testing): a scripted run is
 * deterministic, replays at every revision, and the check fails on a wrong recorded hash, on
 * machines that fold differently, and on a live state that differs from the log.
 */
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { factCodec, getInMemoryEventStore, type EventData, type RecordedEvent } from '../../src/index.ts';
import { defaultMachines } from '../../src/history/fold/thread-state.ts';
import { checkReplay, createTestRuntime, ReplayCheckError, scriptedPlanner, type PlannerScript } from '../../src/testing/index.ts';

const plan = { kind: 'mini_plan' as const, plan: { steps: [{ id: 'a', action: 'echo', input: { n: 1 } }, { id: 'b', action: 'echo', dependsOn: ['a'] }] } };

async function run(seed = 1, script: PlannerScript = [plan, { kind: 'done', answer: 'ok' }]) {
  const t = createTestRuntime({ script, seed });
  await t.runtime.openThread({ threadId: 't', input: { text: 'go' } });
  const summary = await t.settle('t');
  return { t, summary };
}

const events = async (t: { store: { readStream(s: string): AsyncIterable<RecordedEvent> } }): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  for await (const e of t.store.readStream('thread-t')) out.push(e);
  return out;
};

describe('createTestRuntime + scriptedPlanner', () => {
  it('runs a scripted plan to completion with sequential ids and simulated time: two runs record the same log', async () => {
    const a = await run();
    const b = await run();
    expect(a.summary.interactions['i1']?.status).toBe('completed');
    expect(a.t.planner.calls).toBe(2);
    const strip = (es: RecordedEvent[]) => es.map((e) => ({ id: e.id, type: e.type, data: e.data, at: e.metadata.recordedAt }));
    expect(strip(await events(a.t))).toEqual(strip(await events(b.t)));
    await a.t.runtime.close();
    await b.t.runtime.close();
  });

  it('scriptedPlanner repeats its last answer and refuses an empty script', async () => {
    const p = scriptedPlanner([{ kind: 'done', answer: 'x' }]);
    const req = { iteration: 1 } as never;
    await p.plan(req);
    expect((await p.plan(req)).output).toEqual({ kind: 'done', answer: 'x' });
    expect(p.calls).toBe(2);
    await expect(scriptedPlanner([]).plan(req)).rejects.toThrow(/empty/);
  });

  it('restart() rebuilds the thread from the store in a new runtime', async () => {
    const { t, summary } = await run();
    const t2 = await t.restart();
    expect((await t2.runtime.load('t')).revision).toBe(summary.revision);
    await t2.runtime.close();
  });
});

describe('checkReplay', () => {
  it('passes on a real run: every fact carries a hash, and the live state is compared', async () => {
    const { t, summary } = await run();
    const report = await checkReplay(t.store, 't', { runtime: t.runtime });
    expect(report).toMatchObject({ facts: Number(summary.revision) + 1, recordedHashes: Number(summary.revision) + 1, comparedLive: true });
    await t.runtime.close();
  });

  it('fails on a wrong recorded hash (mutant log)', async () => {
    const { t } = await run();
    const copy = getInMemoryEventStore({ codec: factCodec });
    const all = await events(t);
    const bad: EventData[] = all.map((e, i) => ({ id: e.id, type: e.type, data: e.data, metadata: { ...e.metadata, snapshotHash: i === 3 ? 'f'.repeat(64) : e.metadata.snapshotHash } }));
    await copy.appendToStream('thread-t', bad);
    const err = await checkReplay(copy, 't').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayCheckError);
    expect(err).toMatchObject({ comparison: 'recorded', revision: 3n });
    await t.runtime.close();
  });

  it('fails when the machines fold differently from the ones that recorded (mutant machine)', async () => {
    const { t } = await run();
    // an interaction machine that forgets its observations: same transitions, other states
    const mutant = { ...defaultMachines, interaction: defaultMachines.interaction.provide({ actions: { observe: assign({}) } }) };
    const err = await checkReplay(t.store, 't', { machines: mutant }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayCheckError);
    expect(err).toMatchObject({ comparison: 'recorded' });
    await t.runtime.close();
  });

  it('fails when the live state is not the fold of the log', async () => {
    const { t } = await run();
    const other = await run(2, [{ kind: 'done', answer: 'at once' }]); // thread 't' of another store, another history
    const err = await checkReplay(t.store, 't', { runtime: other.t.runtime }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayCheckError);
    expect(err).toMatchObject({ comparison: 'live' });
    await t.runtime.close();
    await other.t.runtime.close();
  });
});
