/**
 * `orchestral worker`: commands issued while no worker runs are facts that wait in the log; a
 * worker started later finds the thread through its runnable index and completes it; commands
 * issued while it runs are picked up; SIGTERM hands the threads back and exits 0. Then failover:
 * a worker SIGKILLed mid-step loses its thread to another worker within the bound (lease TTL + poll).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, compiledModule, dataOf, startCli, tempDir, threadEvents } from './helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const tmp = tempDir('orchestral-worker-');
afterAll(() => tmp.cleanup());
const fx = compiledModule('test/cli/fixtures/sidefx-actions.ts');

beforeAll(() => {
  writeFileSync(
    join(tmp.dir, 'plan.yaml'),
    `title: worker\nactions: ${fx}\nsteps:\n  - { id: root, action: fx.work, input: { delayMs: 50 } }\n` +
      `  - { id: publish, action: fx.work, dependsOn: [root], requiresApproval: true, input: { delayMs: 50 } }\n`,
  );
  writeFileSync(join(tmp.dir, 'slow.yaml'), `title: slow\nactions: ${fx}\nsteps:\n  - { id: slow, action: fx.work, input: { delayMs: 200, gate: go } }\n`);
});

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const attemptsRanOnce = (ws: string): void => {
  const starts = readFileSync(join(ws, 'sidefx.log'), 'utf8').split('\n').filter((l) => l.startsWith('start ')).map((l) => l.split(' ')[1]!);
  expect(starts.length).toBe(new Set(starts).size);
};

async function scenario(store: string, ws: string): Promise<void> {
  writeFileSync(join(ws, 'sidefx.log'), '');
  const o = (...args: string[]) => cli(['--store', store, ...args], { cwd: tmp.dir });
  const count = async (type: string) => (await threadEvents(store, 'W')).filter((e) => e.type === type).length;
  expect((await o('run', 'plan.yaml', '--thread', 'W', '--workspace', ws)).code).toBe(2);
  // No worker runs: the approval and a new input are recorded and wait.
  expect((await o('approve', 'W', 'publish', '--no-wait')).code).toBe(0);
  expect((await o('send', 'W', 'again', '--no-wait')).code).toBe(0);
  expect(await count('InteractionCompleted')).toBe(0);
  const worker = startCli(['--store', store, 'worker', '--id', 'w1', '--poll', '200'], { cwd: tmp.dir });
  await waitFor('the worker to complete the first interaction and stop at the second approval', async () => (await count('InteractionCompleted')) === 1 && (await count('ApprovalRequested')) === 2);
  // A command while the worker runs: picked up.
  expect((await o('approve', 'W', 'publish', '--no-wait')).code).toBe(0);
  await waitFor('the worker to complete the second interaction', async () => (await count('InteractionCompleted')) === 2);
  worker.child.kill('SIGTERM');
  const done = await worker.done;
  expect(done.stderr).toBe('');
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(/w1: claimed W/);
  expect(done.stdout).toMatch(/stopped/);
  const events = await threadEvents(store, 'W');
  expect(events.filter((e) => ['PlannerFailed', 'InteractionFailed', 'StepFailed'].includes(e.type))).toEqual([]);
  expect(events.filter((e) => e.type === 'InputReceived').map((e) => dataOf(e)['text'])).toContain('again');
  attemptsRanOnce(ws);
  const verify = await o('replay', 'W', '--verify', '--json');
  expect((JSON.parse(verify.stdout) as { verified: boolean }).verified).toBe(true);
}

/** Opens thread F with its first input from this process without owning it (append mode): nobody runs it yet. */
async function openUnowned(store: string, ws: string): Promise<void> {
  const st = await openEventStore(store, { codec: factCodec });
  const runtime = createRuntime({
    store: st,
    actions: createActionRegistry([]),
    plannerFor: () => {
      throw new Error('not used in append mode');
    },
    ownership: { mode: 'append' },
  });
  try {
    const descriptor = { kind: 'static', config: { file: join(tmp.dir, 'slow.yaml'), workspace: ws, actions: [fx] } };
    await runtime.openThread({ threadId: 'F', planner: descriptor, input: { text: 'go' } });
  } finally {
    await runtime.close();
    await st.close();
  }
}

async function failover(store: string, ws: string): Promise<void> {
  writeFileSync(join(ws, 'sidefx.log'), '');
  rmSync(join(ws, 'go'), { force: true });
  const o = (...args: string[]) => cli(['--store', store, ...args], { cwd: tmp.dir });
  const started = () => readFileSync(join(ws, 'sidefx.log'), 'utf8').split('\n').filter((l) => l.startsWith('start '));
  const workers = ['wa', 'wb'].map((id) => ({ id, w: startCli(['--store', store, 'worker', '--id', id, '--poll', '200', '--lease-ttl', '4000'], { cwd: tmp.dir }) }));
  await openUnowned(store, ws);
  await waitFor('a worker to start the slow step', async () => started().length === 1);
  const holders = (await o('workers', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; threads: Array<{ threadId: string }> });
  expect(holders).toHaveLength(1);
  const owner = workers.find((w) => w.id === holders[0]!.id)!;
  const other = workers.find((w) => w !== owner)!;
  owner.w.child.kill('SIGKILL');
  const tookMs = await waitFor('the other worker to take the thread over', async () => started().length === 2, 30_000);
  expect(tookMs).toBeLessThanOrEqual(10_000);
  writeFileSync(join(ws, 'go'), '');
  await waitFor('the thread to complete', async () => (await threadEvents(store, 'F')).some((e) => e.type === 'InteractionCompleted'));
  other.w.child.kill('SIGTERM');
  const done = await other.w.done;
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(new RegExp(`${other.id}: claimed F`));
  const events = await threadEvents(store, 'F');
  expect(events.filter((e) => e.type === 'StepStarted')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'StepCompleted')).toHaveLength(1);
  // The killed attempt ran again with the same idempotency key (at-least-once after a kill).
  const keys = started().map((l) => l.split(' ')[1]);
  expect(keys[0]).toBe(keys[1]);
  await owner.w.done;
}

describe('orchestral worker', () => {
  it('SQLite: commands recorded while no worker runs are completed by a worker started later; SIGTERM exits 0', async () => {
    await scenario(`sqlite:${join(tmp.dir, 'events.db')}`, tmp.dir);
  }, 240_000);

  it('SQLite failover: a worker SIGKILLed mid-step loses its thread to another worker within 10 s', async () => {
    await failover(`sqlite:${join(tmp.dir, 'failover.db')}`, tmp.dir);
  }, 240_000);

  describe('PostgreSQL', () => {
    const admin = usePgAdmin(1);
    const schema = schemaName();
    afterAll(() => dropSchema(admin(), schema));
    it('PostgreSQL: the same', async () => {
      const url = new URL(PG_URL);
      url.searchParams.set('schema', schema);
      await scenario(url.toString(), tmp.dir);
    }, 240_000);
    it('PostgreSQL failover: the same', async () => {
      const url = new URL(PG_URL);
      url.searchParams.set('schema', `${schema}_f`);
      try {
        await failover(url.toString(), tmp.dir);
      } finally {
        await dropSchema(admin(), `${schema}_f`);
      }
    }, 240_000);
  });
});
