/**
 * Ownership is visible: while `run` drives a thread, `threads`, `show` and `workers` name the
 * process that owns it (pid, host, since); once it exits, nobody does. `run` is a process, the views
 * run in this process (in-process.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, tempDir, threadEvents, ROOT } from './helpers.ts';
import { cliInProcess } from './in-process.ts';

const tmp = tempDir('orchestral-owner-views-');
afterAll(() => tmp.cleanup());

describe('ownership in threads, show and workers', () => {
  it('names the owning process while run drives the thread, and nobody after it exits', async () => {
    const store = `sqlite:${join(tmp.dir, 'events.db')}`;
    writeFileSync(
      join(tmp.dir, 'plan.yaml'),
      `actions: ${join(ROOT, 'test/cli/fixtures/sidefx-actions.ts')}\nsteps:\n  - { id: slow, action: fx.work, input: { gate: go } }\n`,
    );
    const o = (...args: string[]) => cliInProcess(['--store', store, ...args], { cwd: tmp.dir });
    const run = startCli(['--store', store, 'run', 'plan.yaml', '--thread', 'v', '--workspace', tmp.dir], { cwd: tmp.dir });
    for (let i = 0; i < 600 && !(await threadEvents(store, 'v')).some((e) => e.type === 'StepStarted'); i++) await new Promise((r) => setTimeout(r, 100));
    const pid = run.child.pid;

    const threads = await o('threads', '--json');
    const line = JSON.parse(threads.stdout.trim().split('\n')[0]!) as { threadId: string; owner: { pid: number; since: string } | null };
    expect(line).toMatchObject({ threadId: 'v', owner: { pid } });
    expect(Date.parse(line.owner!.since)).toBeGreaterThan(Date.now() - 600_000);
    expect((await o('threads')).stdout).toMatch(new RegExp(`run by pid ${pid} on `));

    const show = JSON.parse((await o('show', 'v', '--json')).stdout) as { owner: { pid: number } | null };
    expect(show.owner?.pid).toBe(pid);
    expect((await o('show', 'v')).stdout).toMatch(new RegExp(`owner: pid ${pid} on `));

    const workers = (await o('workers', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { pid: number; threads: Array<{ threadId: string }> });
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({ pid, threads: [{ threadId: 'v' }] });
    expect((await o('workers')).stdout).toMatch(new RegExp(`${pid}\\s+\\S+\\s+v \\(`));

    writeFileSync(join(tmp.dir, 'go'), '');
    expect((await run.done).code).toBe(0);
    expect((await o('workers')).stdout).toMatch(/no process runs a thread/);
    expect(JSON.parse((await o('show', 'v', '--json')).stdout)).toMatchObject({ owner: null });
    expect((await o('show', 'v')).stdout).toMatch(/owner: none/);
  }, 120_000);
});
