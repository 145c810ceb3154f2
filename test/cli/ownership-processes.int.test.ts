/**
 * One owner per thread across real CLI processes, on SQLite and on PostgreSQL. While `run` drives
 * thread T: `resume T`, two `send`s, `approve`, then `cancel`; later two `resume T` at once and
 * `approve --no-wait`. No process is killed, so every step attempt must have run exactly once
 * (the side-effect log records each execution when it starts), every accepted input is a fact, no
 * interaction or planner call fails (for lack of a planner or otherwise), and `replay --verify` passes.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, compiledModule, dataOf, startCli, tempDir, threadEvents } from './helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';

const tmp = tempDir('orchestral-owners-');
afterAll(() => tmp.cleanup());

beforeAll(() => {
  const slow = [1, 2, 3, 4].map((i) => `  - { id: s${i}, action: fx.work, dependsOn: [root], input: { delayMs: 300, gate: go } }`).join('\n');
  writeFileSync(
    join(tmp.dir, 'plan.yaml'),
    `title: owners\nactions: ${compiledModule('test/cli/fixtures/sidefx-actions.ts')}\nmaxConcurrency: 2\nsteps:\n  - { id: root, action: fx.work, input: { delayMs: 200 } }\n${slow}\n` +
      `  - { id: publish, action: fx.work, dependsOn: [s1, s2, s3, s4], requiresApproval: true, input: { delayMs: 100 } }\n`,
  );
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scenario(store: string, ws: string): Promise<void> {
  writeFileSync(join(ws, 'sidefx.log'), '');
  rmSync(join(ws, 'go'), { force: true });
  const o = (...args: string[]) => cli(['--store', store, ...args], { cwd: tmp.dir });
  const T = 'owners';
  const events = () => threadEvents(store, T);
  const count = async (type: string, pred: (d: Record<string, unknown>) => boolean = () => true) =>
    (await events()).filter((e) => e.type === type && pred(dataOf(e))).length;

  const run = startCli(['--store', store, 'run', 'plan.yaml', '--thread', T, '--workspace', ws], { cwd: tmp.dir });
  await waitFor('the run to start a slow step', async () => ((await count('StepStarted', (d) => String(d['stepId']).startsWith('s'))) > 0 ? true : undefined));
  // While run drives T: a resume, two sends, then (at the approval) approve.
  const resume = startCli(['--store', store, 'resume', T], { cwd: tmp.dir });
  let resumeOut = '';
  resume.child.stdout!.on('data', (d: Buffer) => (resumeOut += d.toString()));
  await waitFor('resume to follow the run', async () => (/following: the thread is run by pid \d+/.test(resumeOut) ? true : undefined));
  const [send1, send2] = await Promise.all([o('send', T, 'in-1', '--no-wait'), o('send', T, 'in-2')]);
  writeFileSync(join(ws, 'go'), ''); // the slow steps may finish now
  expect(send1.stderr).toBe('');
  expect(send1.code).toBe(0); // recorded (enqueued) and exited
  expect(send2.code).toBe(2); // queued behind the live interaction
  await waitFor('publish to wait for approval', async () => ((await count('ApprovalRequested')) > 0 ? true : undefined));
  const approve = await o('approve', T, 'publish');
  expect(approve.stderr).toBe('');
  expect(approve.code).toBe(0); // i1 completed
  const [ran, resumed] = await Promise.all([run.done, resume.done]);
  expect(ran.code).toBe(2);
  expect(resumed.code).toBe(2);
  expect(resumed.stdout).toMatch(/following: the thread is run by pid \d+/);
  // The second input's interaction reached its approval (approve followed it to its end); cancel it.
  await waitFor('the second interaction to wait for approval', async () => ((await count('ApprovalRequested')) >= 2 ? true : undefined));
  const cancel = await o('cancel', T);
  expect(cancel.stderr).toBe('');
  expect(cancel.code).toBe(0);
  // The third input started with no owner alive: it waits in the log. Two resumes at once run it.
  const both = await Promise.all([o('resume', T), o('resume', T)]);
  for (const r of both) expect([r.code, r.stderr]).toEqual([2, '']);
  expect(await count('ApprovalRequested')).toBe(3);
  const noWait = await o('approve', T, 'publish', '--no-wait');
  expect(noWait.code).toBe(0);
  const last = await o('resume', T);
  expect(last.stderr).toBe('');
  expect(last.code).toBe(0);

  const all = await events();
  // Every accepted input is a fact.
  const inputs = all.filter((e) => e.type === 'InputReceived').map((e) => String(dataOf(e)['text']));
  expect(inputs[0]).toMatch(/^run plan/);
  expect(inputs.slice(1).sort()).toEqual(['in-1', 'in-2']); // the two sends race
  // Nothing failed: no planner failure, no failed interaction, no failed step.
  expect(all.filter((e) => ['PlannerFailed', 'InteractionFailed', 'StepFailed'].includes(e.type)).map((e) => e.type)).toEqual([]);
  expect(all.filter((e) => e.type === 'InteractionCompleted').length).toBe(2);
  expect(all.filter((e) => e.type === 'InteractionCancelled').length).toBe(1);
  // Each attempt executed exactly once.
  const starts = readFileSync(join(ws, 'sidefx.log'), 'utf8').split('\n').filter((l) => l.startsWith('start '));
  const perKey = new Map<string, number>();
  for (const l of starts) perKey.set(l.split(' ')[1]!, (perKey.get(l.split(' ')[1]!) ?? 0) + 1);
  const doubles = [...perKey].filter(([, n]) => n > 1);
  expect(doubles).toEqual([]);
  const attempts = all.filter((e) => e.type === 'StepStarted').length;
  expect(perKey.size).toBe(attempts);
  const verify = await o('replay', T, '--verify', '--json');
  expect(verify.code).toBe(0);
  expect((JSON.parse(verify.stdout) as { verified: boolean }).verified).toBe(true);
}

/** A workspace of its own for one scenario (its side-effect log and gate file). */
function workspace(name: string): string {
  const ws = join(tmp.dir, name);
  mkdirSync(ws, { recursive: true });
  return ws;
}

// The two scenarios wait on their processes most of the time: they run at the same time, each with
// its own store and workspace.
describe.concurrent('one owner per thread across processes', () => {
  it('SQLite: run + resume + sends + approve + cancel, then two resumes at once: every attempt ran once', async () => {
    await scenario(`sqlite:${join(tmp.dir, 'events.db')}`, workspace('ws-sqlite'));
  }, 240_000);

  describe('PostgreSQL', () => {
    const admin = usePgAdmin(1);
    const schema = schemaName();
    afterAll(() => dropSchema(admin(), schema));
    it('PostgreSQL: the same scenario', async () => {
      const url = new URL(PG_URL);
      url.searchParams.set('schema', schema);
      await scenario(url.toString(), workspace('ws-postgres'));
    }, 240_000);
  });
});
