/**
 * The README tour through the CLI, on the audit example over a small temporary workspace:
 * run (pauses at the approval gate, printing the exact next command), show, approve (continues to
 * the end and writes the report), show --at, events --from, replay --to, fork --at, resume of the
 * fork, threads, machines. The commands that run the plan (run, approve, resume) are processes; those
 * that only read or copy facts (show, events, replay, fork, threads, machines) run in this process
 * (in-process.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, ROOT } from './helpers.ts';
import { cliInProcess } from './in-process.ts';

const tmp = tempDir();
const ws = join(tmp.dir, 'ws');
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
const plan = join(ROOT, 'examples/audit/plan.yaml');
const T = 'audit-1';
const o = (...args: string[]) => cli(['--store', store, ...args]);
/** As `o`, in this process. */
const ip = (...args: string[]) => cliInProcess(['--store', store, ...args]);

beforeAll(() => {
  mkdirSync(join(ws, 'src/lib'), { recursive: true });
  mkdirSync(join(ws, 'test'), { recursive: true });
  writeFileSync(join(ws, 'src/main.ts'), 'export const a = 1;\n// TODO: split this module\nexport const b = 2;\n');
  writeFileSync(join(ws, 'src/lib/util.py'), 'def f():\n    return 1  # FIXME wrong value\n');
  writeFileSync(join(ws, 'test/main.test.ts'), 'import { a } from "../src/main";\n');
  writeFileSync(join(ws, 'package.json'), JSON.stringify({ name: 'demo', version: '1.2.3', dependencies: { x: '1' }, scripts: { test: 'x' } }));
});
afterAll(() => tmp.cleanup());

describe('the audit example through the CLI', () => {
  it('run pauses at the approval gate and prints the exact command to continue (exit 2)', async () => {
    const r = await o('run', plan, '--thread', T, '--workspace', ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`npx orchestral approve ${T} write-report --store ${store}`);
    expect(r.stdout).toMatch(/package-stats ready — retry 2/);
  });

  it('show --json: seven steps done, package-stats after a retry, write-report pending approval', async () => {
    const r = await ip('show', T, '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as {
      pendingApprovals: Array<{ stepId: string }>;
      steps: Record<string, { plans: Record<string, { steps: Record<string, { status: string; attempts: number }> }> }>;
    };
    expect(d.pendingApprovals.map((p) => p.stepId)).toEqual(['write-report']);
    const steps = Object.values(d.steps['i1']!.plans)[0]!.steps;
    expect(steps['package-stats']).toMatchObject({ status: 'completed', attempts: 2 });
    expect(steps['write-report']!.status).toBe('waiting_approval');
    expect(Object.values(steps).filter((s) => s.status === 'completed')).toHaveLength(7);
  });

  it('approve continues the run to the end and the report is written (exit 0)', async () => {
    const r = await o('approve', T, 'write-report', '--reason', 'looks good', '--by', 'tester');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/approved step 'write-report'.*by tester/);
    expect(r.stdout).toMatch(/✓ completed/);
    const report = readFileSync(join(ws, 'out/audit-report.md'), 'utf8');
    expect(report).toContain('3 files, 6 lines; 2 TODO/FIXME markers');
    expect(report).toContain('`src/main.ts:2` **TODO** split this module');
    expect(report).toContain('`src/lib/util.py:2` **FIXME**');
    expect(report).toContain('demo 1.2.3: 1 dependencies');
  });

  it('show draws the steps, the DAG and the costs; --at shows an earlier revision', async () => {
    const [now, then] = await Promise.all([ip('show', T), ip('show', T, '--at', '3', '--json')]);
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(/L0 {2}✓ list-src {3}✓ list-tests {3}✓ package-stats {3}✓ recent-commits/);
    expect(now.stdout).toMatch(/L3 {2}✓ write-report ⇐ report/);
    expect(now.stdout).toMatch(/critical path so far: .* → write-report/);
    expect(now.stdout).toMatch(/costs total \$0\.0000/);
    expect(now.stdout).toMatch(/plan budget \$0\.0500/);
    expect(then.code).toBe(0);
    expect(JSON.parse(then.stdout)).toMatchObject({ revision: 3, at: 3 });
  });

  it('events --from, replay --to, fork --at, resume of the fork, threads, machines', async () => {
    const [events, replay, machines] = await Promise.all([
      ip('events', T, '--from', '5', '--json'),
      ip('replay', T, '--to', '10'),
      ip('machines', '--json'),
    ]);
    expect(events.code).toBe(0);
    const lines = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as { revision: string; type: string });
    expect(lines[0]!.revision).toBe('5');
    expect(lines.at(-1)!.type).toBe('InteractionCompleted');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/replayed to revision 10/);
    const defs = JSON.parse(machines.stdout) as Record<string, { id: string; states: Record<string, unknown> }>;
    expect(Object.keys(defs)).toEqual(['thread', 'interaction', 'step']);
    expect(Object.keys(defs['step']!.states)).toEqual(expect.arrayContaining(['pending', 'ready', 'running', 'completed', 'failed']));

    const fork = await ip('fork', T, '--at', '10', '--id', 'audit-fork');
    expect(fork.code).toBe(0);
    expect(fork.stdout).toContain('forked audit-1@10 → audit-fork');
    const resumed = await o('resume', 'audit-fork');
    expect(resumed.code).toBe(2); // the fork reaches the approval gate again
    expect(resumed.stdout).toContain(`npx orchestral approve audit-fork write-report --store ${store}`);
    const threads = await ip('threads');
    expect(threads.code).toBe(0);
    expect(threads.stdout).toMatch(/audit-fork .*\(fork of audit-1@10\)/);
    expect(threads.stdout).toMatch(/audit-1 .*Source tree audit/);
  });
});
