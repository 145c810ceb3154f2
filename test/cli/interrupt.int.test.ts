/**
 * A static pause point through the real CLI: `run` on a plan whose step has `interruptBefore`
 * stops at the pause (exit 2) and prints the exact `resume` command; running that command (a new
 * process, the same SQLite store) starts the step once and completes the thread.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, dataOf, tempDir, threadEvents } from './helpers.ts';

const tmp = tempDir();
const store = `sqlite:${join(tmp.dir, 'events.db')}`;

beforeAll(() => {
  writeFileSync(
    join(tmp.dir, 'plan.yaml'),
    [
      'title: paused plan',
      'steps:',
      '  - { id: a, action: echo, input: { x: 1 } }',
      '  - { id: b, action: echo, dependsOn: [a], interruptBefore: true, input: { y: "{{steps.a.output.x}}" } }',
      '',
    ].join('\n'),
  );
});
afterAll(() => tmp.cleanup());

describe('interruptBefore through the CLI', () => {
  it('run pauses before the step (exit 2, the resume command printed); that command completes the thread', async () => {
    const run = await cli(['run', 'plan.yaml', '--store', store], { cwd: tmp.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('⏸ interrupted (i1)');
    const m = /resume: +npx orchestral (resume (\S+) --store (\S+))\n/.exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    const [, , threadId, printedStore] = m!;
    expect(printedStore).toBe(store);
    let events = await threadEvents(store, threadId!);
    expect(events.filter((e) => e.type === 'Interrupted').map(dataOf)).toEqual([
      { interactionId: 'i1', kind: 'before_step', stepId: 'b', reason: "paused before step 'b' starts (interruptBefore)" },
    ]);
    expect(events.filter((e) => e.type === 'StepStarted').map((e) => dataOf(e)['stepId'])).toEqual(['a']);

    const resumed = await cli(m![1]!.split(' '), { cwd: tmp.dir });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('✓ completed (i1)');
    expect(resumed.stdout).toContain('- b (echo): completed → {"y":1}');
    events = await threadEvents(store, threadId!);
    expect(events.filter((e) => e.type === 'Interrupted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'Resumed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'StepStarted').map((e) => dataOf(e)['stepId'])).toEqual(['a', 'b']);

    const verify = await cli(['replay', threadId!, '--verify', '--store', store], { cwd: tmp.dir });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  });
});
