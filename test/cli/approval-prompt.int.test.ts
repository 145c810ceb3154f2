/**
 * Approvals through the real CLI: a `shell.exec` step whose argv refers to an upstream output pauses
 * for approval; the paused outcome, `show` and `show --json` say what is approved (the action, the
 * argv as resolved, the plan file that planned it) with terminal controls neutralised, and the
 * ApprovalRequested fact records it. Then the terminal prompt, in a pseudo-terminal (`script`).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_ARGS, cli, dataOf, tempDir, threadEvents } from './helpers.ts';

const tmp = tempDir();
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
const planFile = join(tmp.dir, 'cleanup.yaml');
const o = (...args: string[]) => cli(['--store', store, ...args], { cwd: tmp.dir });
const ESC = '\x1b';

beforeAll(() => {
  // `target` carries an OSC title sequence and a clear-screen: it must never reach the terminal raw
  writeFileSync(
    planFile,
    [
      'title: clean up',
      'steps:',
      '  - { id: pick, action: echo, input: { target: "build\\e]0;pwned\\a\\e[2J" } }',
      '  - { id: remove, action: shell.exec, dependsOn: [pick], requiresApproval: true, input: { argv: [echo, removing, "{{steps.pick.output.target}}"] } }',
      '',
    ].join('\n'),
  );
});
afterAll(() => tmp.cleanup());

const resolvedArgv = ['echo', 'removing', 'build\x1b]0;pwned\x07\x1b[2J'];

describe('approval details through the CLI', () => {
  it('run pauses and says what is approved; show and show --json too; the fact records it', async () => {
    const run = await o('run', planFile, '--thread', 'c1', '--no-prompt');
    expect(run.code).toBe(2);
    expect(run.stdout).not.toContain(ESC);
    expect(run.stdout).toContain("⏸ paused: step 'remove' waits for approval");
    expect(run.stdout).toContain('action shell.exec  argv ["echo","removing","build\\u001b]0;pwned\\u0007\\u001b[2J"]');
    expect(run.stdout).toContain(`planned by plan file ${planFile}`);

    const asked = (await threadEvents(store, 'c1')).find((e) => e.type === 'ApprovalRequested')!;
    expect(dataOf(asked)['subject']).toEqual({ action: 'shell.exec', input: { argv: resolvedArgv } });

    const json = JSON.parse((await o('show', 'c1', '--json')).stdout) as { pendingApprovals: Array<Record<string, unknown>> };
    expect(json.pendingApprovals).toEqual([
      {
        approvalId: 'i1.p1.remove.step.a1',
        interactionId: 'i1',
        planId: 'p1',
        stepId: 'remove',
        scope: 'step',
        action: 'shell.exec',
        input: { argv: resolvedArgv },
        inputResolved: true,
        plannedBy: { kind: 'plan_file', file: planFile },
      },
    ]);

    const show = await o('show', 'c1');
    expect(show.code).toBe(0);
    expect(show.stdout).not.toContain(ESC);
    expect(show.stdout).toMatch(/pending approvals\n {2}step 'remove' of interaction i1 \(step, i1\.p1\.remove\.step\.a1\)\n {4}action shell\.exec {2}argv \["echo","removing",/);
    expect(show.stdout).toContain('{"target":"build\\u001b]0;pwned\\u0007\\u001b[2J"}'); // the echo step's output summary
  });

  it('an error line naming hostile input is neutralised too', async () => {
    const r = await o('show', 'no\x1b]0;pwned\x07such');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^orchestral: /);
    expect(r.stderr).not.toContain(ESC);
  });

  it('the terminal prompt shows the action, resolved argv and planner; y approves and the run completes', async () => {
    const command = `stty cols 80 rows 24; exec ${process.execPath} ${NODE_ARGS.join(' ')} --store ${store} run ${planFile} --thread c2`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: tmp.dir,
      env: { ...process.env, NO_COLOR: '1', ORCHESTRAL_STORE: '', USER: 'tester' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let answered = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!answered && out.includes('? approve')) {
        answered = true;
        child.stdin.write('y\r');
      }
    });
    const code = await new Promise<number | null>((res) => child.on('close', res));
    child.stdin.destroy();
    expect(answered).toBe(true);
    const screen = out.replace(/\r/g, '');
    expect(screen).toContain("⏸ approval needed: step 'remove' of interaction i1");
    expect(screen).toContain('  action shell.exec  argv ["echo","removing","build\\u001b]0;pwned\\u0007\\u001b[2J"]');
    expect(screen).toContain(`  planned by plan file ${planFile}`);
    expect(screen).not.toContain('\x1b]0;pwned'); // the title sequence never reached the terminal
    expect(screen).toContain('✓ completed');
    expect(code).toBe(0);
    const events = await threadEvents(store, 'c2');
    const granted = events.find((e) => e.type === 'ApprovalGranted')!;
    expect(dataOf(granted)).toMatchObject({ stepId: 'remove', reason: 'approved at the terminal' });
    // show of the revision where it waited still shows what was asked
    const askedAt = events.find((e) => e.type === 'ApprovalRequested')!.revision;
    const then = JSON.parse((await o('show', 'c2', '--at', String(askedAt), '--json')).stdout) as { pendingApprovals: Array<Record<string, unknown>> };
    expect(then.pendingApprovals).toMatchObject([{ stepId: 'remove', action: 'shell.exec', input: { argv: resolvedArgv }, inputResolved: true }]);
  });
});
