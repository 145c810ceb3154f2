/**
 * Budgets through the real CLI: a step whose estimate would exceed the plan's budget while another
 * step holds its reservation pauses the run (exit 2)
 * for a `budget` approval; `approve --extend-budget USD` raises the limit (BudgetExtended) and the
 * run completes; a bad amount is a usage error that records nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, threadEvents } from './helpers.ts';

const tmp = tempDir();
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
const o = (...args: string[]) => cli(['--store', store, ...args], { cwd: tmp.dir });

beforeAll(() => {
  writeFileSync(
    join(tmp.dir, 'budget.yaml'),
    [
      'title: budgeted',
      'budget: { limitUsd: 0.015, onExceed: approve }',
      'steps:',
      '  - { id: a, action: sleep, estimatedCostUsd: 0.01, input: { ms: 200 } }',
      '  - { id: b, action: echo, priority: -1, estimatedCostUsd: 0.01, input: { x: 2 } }',
      '',
    ].join('\n'),
  );
});
afterAll(() => tmp.cleanup());

describe('budget approvals', () => {
  it('pauses on the budget, refuses a bad amount, then approve --extend-budget raises the limit and finishes', async () => {
    const run = await o('run', 'budget.yaml', '--thread', 'b1');
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/approve b1 b/);
    const before = (await threadEvents(store, 'b1')).length;
    const bad = await o('approve', 'b1', 'b', '--extend-budget', '-3');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/^orchestral: --extend-budget: expected a positive amount of USD/);
    expect((await threadEvents(store, 'b1')).length).toBe(before);
    const ok = await o('approve', 'b1', 'b', '--extend-budget', '0.05');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const events = await threadEvents(store, 'b1');
    expect(events.find((e) => e.type === 'ApprovalRequested')?.data).toMatchObject({ scope: 'budget', stepId: 'b' });
    expect(events.find((e) => e.type === 'BudgetExtended')?.data).toMatchObject({ limitUsd: 0.065, interactionId: 'i1' });
    expect(events.filter((e) => e.type === 'StepCompleted')).toHaveLength(2);
  });
});
