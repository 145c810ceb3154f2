/**
 * Crash-resume through the real CLI: `orchestral run` is SIGKILLed in the middle of the DAG (some
 * slow steps completed, others running), `orchestral resume` finishes the run, and then: no step
 * that had completed ran again, `replay` equals `show`, and no fact is duplicated or lost.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, dataOf, startCli, tempDir, threadEvents, ROOT } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('crash-resume', () => {
  it('SIGKILL mid-DAG, then resume: completes, completed steps never rerun, replay = show, facts intact', async () => {
    const store = `sqlite:${join(tmp.dir, 'events.db')}`;
    const plan = join(ROOT, 'examples/crash-demo/plan.yaml');
    const thread = 'crash-1';
    const run = startCli(['--store', store, 'run', plan, '--thread', thread, '--workspace', tmp.dir]);

    // Wait until at least one slow step completed while others have not: the middle of the DAG.
    let before: Awaited<ReturnType<typeof threadEvents>> = [];
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      before = await threadEvents(store, thread);
      const slowDone = before.filter((e) => e.type === 'StepCompleted' && String(dataOf(e)['stepId']).startsWith('s')).length;
      if (slowDone >= 1) break;
    }
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');

    before = await threadEvents(store, thread);
    const completedBefore = new Set(before.filter((e) => e.type === 'StepCompleted').map((e) => String(dataOf(e)['stepId'])));
    expect(completedBefore.has('root')).toBe(true);
    expect(completedBefore.has('join')).toBe(false); // killed before the end
    expect([...completedBefore].filter((s) => s.startsWith('s')).length).toBeGreaterThanOrEqual(1);

    const resumed = await cli(['--store', store, 'resume', thread]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/completed/);

    const after = await threadEvents(store, thread);
    // Nothing lost: the facts before the crash are a prefix of the facts after, unchanged.
    expect(after.slice(0, before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
    // No fact duplicated: unique ids, contiguous revisions, each attempt started/completed once.
    expect(new Set(after.map((e) => e.id)).size).toBe(after.length);
    expect(after.map((e) => e.revision)).toEqual(after.map((_, i) => BigInt(i)));
    const attemptKeys = after
      .filter((e) => e.type === 'StepStarted' || e.type === 'StepCompleted')
      .map((e) => `${e.type}/${String(dataOf(e)['stepId'])}/${String(dataOf(e)['attempt'])}`);
    expect(new Set(attemptKeys).size).toBe(attemptKeys.length);

    // Every step completed once; those completed before the kill started exactly once and ran once.
    const started = (id: string) => after.filter((e) => e.type === 'StepStarted' && dataOf(e)['stepId'] === id).length;
    const completed = after.filter((e) => e.type === 'StepCompleted').map((e) => String(dataOf(e)['stepId']));
    expect(completed.sort()).toEqual(['join', 'root', 's1', 's2', 's3', 's4', 's5', 's6']);
    const runs = readFileSync(join(tmp.dir, 'runs.log'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    for (const id of completedBefore) {
      expect(started(id), `StepStarted of ${id}`).toBe(1);
      expect(runs.filter((l) => l === id).length, `runs of ${id}`).toBe(1);
    }
    expect(after.some((e) => e.type === 'InteractionCompleted')).toBe(true);

    // replay equals show: same revision, same status for every step and interaction.
    const [replayOut, showOut] = await Promise.all([
      cli(['--store', store, 'replay', thread, '--json', '--verify']),
      cli(['--store', store, 'show', thread, '--json']),
    ]);
    expect(replayOut.code).toBe(0);
    expect(showOut.code).toBe(0);
    const replay = JSON.parse(replayOut.stdout) as { revision: number; verified: boolean; steps: Record<string, { status: string; attempts: number }>; interactions: Record<string, { status: string }> };
    const show = JSON.parse(showOut.stdout) as {
      revision: number;
      interactions: Array<{ interactionId: string; status: string }>;
      steps: Record<string, { plans: Record<string, { steps: Record<string, { status: string; attempts: number }> }> }>;
    };
    expect(replay.verified).toBe(true);
    expect(replay.revision).toBe(show.revision);
    expect(replay.revision).toBe(after.length - 1);
    const fromShow: Record<string, { status: string; attempts: number }> = {};
    for (const [iid, ti] of Object.entries(show.steps)) {
      for (const [pid, plan] of Object.entries(ti.plans)) {
        for (const [sid, row] of Object.entries(plan.steps)) fromShow[`${iid}/${pid}/${sid}`] = { status: row.status, attempts: row.attempts };
      }
    }
    expect(fromShow).toEqual(replay.steps && Object.fromEntries(Object.entries(replay.steps).map(([k, t]) => [k, { status: t.status, attempts: t.attempts }])));
    expect(Object.fromEntries(show.interactions.map((i) => [i.interactionId, i.status]))).toEqual(
      Object.fromEntries(Object.entries(replay.interactions).map(([k, v]) => [k, v.status])),
    );
  });
});
