/**
 * Deterministic crash points (src/core/fault-points.ts) through the real CLI, on SQLite and on
 * PostgreSQL: a command runs with `ORCHESTRAL_FAULT=kill:<point>[:<n>]` and SIGKILLs itself at that
 * exact place — before a step's action starts, after its side effect but before its outcome is
 * appended, inside an append transaction before COMMIT, right after an approval request or an
 * approval decision is appended. Then `resume` (and `approve` when the run waits for one) finishes
 * the thread, and every scenario checks the same things: what the store held at the kill, the facts
 * before the kill are an unchanged prefix, no fact is duplicated, every step completed exactly once,
 * a step whose completion was committed never ran again (the action appends "<step> <attempt>" to
 * runs.log, examples/crash-demo/actions.ts), and the replay with `verify` reproduces every recorded
 * snapshot hash.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayThread } from '../../src/history/replay.ts';
import type { RecordedEvent } from '../../src/store/event-store.ts';
import { openEventStore } from '../../src/store/open-event-store.ts';
import { cli, compiledModule, dataOf, tempDir, threadEvents } from '../cli/helpers.ts';
import { dropSchema, PG_URL, schemaName, usePgAdmin } from '../store/fixtures/pg-helpers.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const tmp = tempDir('orchestral-kill-');
afterAll(() => tmp.cleanup());
const admin = usePgAdmin(2);
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(admin(), s);
});

/** a → b → c, each appending to runs.log; `b` asks for approval in the `approval` plan. */
function writePlan(dir: string, approval: boolean): string {
  const file = join(dir, 'plan.yaml');
  const step = (id: string, deps: string[], extra = ''): string =>
    `  - { id: ${id}, action: demo.append, dependsOn: [${deps.join(', ')}], input: { label: ${id} }${extra} }\n`;
  writeFileSync(
    file,
    `title: kill points\nactions: ${compiledModule('examples/crash-demo/actions.ts')}\nsteps:\n` +
      step('a', []) + step('b', ['a'], approval ? ', requiresApproval: true' : '') + step('c', ['b']),
  );
  return file;
}

interface Scenario {
  name: string;
  approval: boolean;
  fault: string;
  /** The command that gets the fault: `run`, or `approve` (after `run` paused at b's approval). */
  killed: 'run' | 'approve';
  /** At the kill: steps whose StepCompleted is stored, the last stored fact, runs.log. */
  completedAtKill: string[];
  lastFactAtKill: string;
  runsAtKill: string[];
  /** runs.log at the end (a step re-runs only when its completion was not committed). */
  runsAtEnd: string[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'between StepStarted and the action',
    approval: false, fault: 'kill:step.before-action:2', killed: 'run',
    completedAtKill: ['a'], lastFactAtKill: 'StepStarted b', runsAtKill: ['a 1'], runsAtEnd: ['a 1', 'b 1', 'c 1'],
  },
  {
    name: 'after the side effect, before StepCompleted',
    approval: false, fault: 'kill:step.after-action:2', killed: 'run',
    completedAtKill: ['a'], lastFactAtKill: 'StepStarted b', runsAtKill: ['a 1', 'b 1'], runsAtEnd: ['a 1', 'b 1', 'b 1', 'c 1'],
  },
  {
    // appends of `run`: open + input + planning, plan + StepStarted a, StepCompleted a + StepStarted b, then StepCompleted b…
    name: 'inside the append transaction holding StepCompleted b, before COMMIT',
    approval: false, fault: 'kill:store.before-commit:4', killed: 'run',
    completedAtKill: ['a'], lastFactAtKill: 'StepStarted b', runsAtKill: ['a 1', 'b 1'], runsAtEnd: ['a 1', 'b 1', 'b 1', 'c 1'],
  },
  {
    name: 'while waiting for an approval (right after ApprovalRequested is appended)',
    approval: true, fault: 'kill:appended.ApprovalRequested', killed: 'run',
    completedAtKill: ['a'], lastFactAtKill: 'ApprovalRequested b', runsAtKill: ['a 1'], runsAtEnd: ['a 1', 'b 1', 'c 1'],
  },
  {
    name: 'after the approval decision is appended, before the step runs',
    approval: true, fault: 'kill:appended.ApprovalGranted', killed: 'approve',
    completedAtKill: ['a'], lastFactAtKill: 'StepStarted b', runsAtKill: ['a 1'], runsAtEnd: ['a 1', 'b 1', 'c 1'],
  },
];

const stepOf = (e: RecordedEvent): string => String(dataOf(e)['stepId']);
const label = (e: RecordedEvent): string => (dataOf(e)['stepId'] === undefined ? e.type : `${e.type} ${stepOf(e)}`);
const readRuns = (dir: string): string[] => {
  try {
    return readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
};

async function killAndResume(s: Scenario, storeUrl: string): Promise<void> {
  const dir = tempDir('orchestral-kill-ws-');
  try {
    const thread = 'k1';
    const plan = writePlan(dir.dir, s.approval);
    const fault = { ORCHESTRAL_FAULT: s.fault };
    const run = await cli(['--store', storeUrl, 'run', plan, '--thread', thread, '--workspace', dir.dir], { env: s.killed === 'run' ? fault : {} });
    if (s.killed === 'approve') {
      expect(run.code, run.stderr).toBe(2); // paused at b's approval
      const approve = await cli(['--store', storeUrl, 'approve', thread, 'b'], { env: fault });
      expect(approve.signal, approve.stderr).toBe('SIGKILL');
    } else {
      expect(run.signal, `${run.stdout}\n${run.stderr}`).toBe('SIGKILL');
    }

    const before = await threadEvents(storeUrl, thread);
    expect(before.filter((e) => e.type === 'StepCompleted').map(stepOf)).toEqual(s.completedAtKill);
    expect(label(before[before.length - 1]!)).toBe(s.lastFactAtKill);
    expect(readRuns(dir.dir)).toEqual(s.runsAtKill);

    let resumed = await cli(['--store', storeUrl, 'resume', thread]);
    if (s.approval && !before.some((e) => e.type === 'ApprovalGranted')) {
      expect(resumed.code, resumed.stderr).toBe(2); // still waiting for b's approval
      expect(resumed.stdout).toMatch(/waits for approval/);
      resumed = await cli(['--store', storeUrl, 'approve', thread, 'b']);
    }
    expect(resumed.stderr).toBe('');
    expect(resumed.code, resumed.stdout).toBe(0);

    const after = await threadEvents(storeUrl, thread);
    expect(after.slice(0, before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(new Set(after.map((e) => e.id)).size).toBe(after.length);
    expect(after.map((e) => e.revision)).toEqual(after.map((_, i) => BigInt(i)));
    const attempts = after.filter((e) => e.type === 'StepStarted' || e.type === 'StepCompleted').map((e) => `${label(e)}/${String(dataOf(e)['attempt'])}`);
    expect(attempts.sort()).toEqual(['StepCompleted a/1', 'StepCompleted b/1', 'StepCompleted c/1', 'StepStarted a/1', 'StepStarted b/1', 'StepStarted c/1']);
    expect(after.some((e) => e.type === 'InteractionCompleted')).toBe(true);
    const runs = readRuns(dir.dir);
    expect(runs).toEqual(s.runsAtEnd);
    for (const id of s.completedAtKill) expect(runs.filter((r) => r.startsWith(`${id} `)), `runs of ${id}`).toHaveLength(1);

    const store = await openEventStore(storeUrl, { codec: factCodec });
    try {
      const replayed = await replayThread(store, thread, { verify: true });
      expect(replayed.revision).toBe(BigInt(after.length - 1));
      expect(Object.values(replayed.steps).map((t) => String(t.value))).toEqual(['completed', 'completed', 'completed']);
    } finally {
      await store.close();
    }
  } finally {
    dir.cleanup();
  }
}

/**
 * Per-test timeout, ms: each scenario spawns two to four CLI processes (~1 s of CPU each) and the ten
 * scenarios run concurrently, so on a loaded machine one test's wall time approaches the file's.
 */
const SCENARIO_TIMEOUT_MS = 240_000;

describe.concurrent('kill points, then resume: SQLite', () => {
  for (const [i, s] of SCENARIOS.entries()) {
    it(`${s.fault}: ${s.name}`, () => killAndResume(s, `sqlite:${join(tmp.dir, `events-${i}.db`)}`), SCENARIO_TIMEOUT_MS);
  }
});

describe.concurrent('kill points, then resume: PostgreSQL', () => {
  for (const s of SCENARIOS) {
    it(`${s.fault}: ${s.name}`, () => {
      const schema = schemaName();
      schemas.push(schema);
      return killAndResume(s, `${PG_URL}?schema=${schema}`);
    }, SCENARIO_TIMEOUT_MS);
  }
});
