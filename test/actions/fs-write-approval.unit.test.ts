/**
 * Model-planned `fs.write` outside the allowed set asks a human first: the action's `approvalReason`
 * and the scheduler's input-dependent approval gate.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { fsWriteAction } from '../../src/actions/builtin/fs-write.ts';
import { compileWritePattern, writeApprovalReason } from '../../src/actions/builtin/write-allow.ts';
import { resolveRefs } from '../../src/plan/refs.ts';
import { buildView, step } from '../support/plan-run-view-builder.ts';
import { decide, summary } from '../executor/helpers.ts';

describe('write patterns', () => {
  it.each([
    ['out/', ['out/a.txt', 'out/x/y/z.md'], ['out', 'outer/a.txt', 'src/out/a.txt']],
    ['out/**', ['out/a.txt', 'out/x/y.md'], ['out', 'a/out/b']],
    ['docs/*.md', ['docs/a.md', 'docs/.b.md'], ['docs/x/a.md', 'docs/a.mdx', 'docs/a.txt']],
    ['**/*.txt', ['a.txt', 'x/y/a.txt'], ['a.txt.bak', 'x/a.md']],
    ['notes.md', ['notes.md'], ['notes.mdx', 'x/notes.md', 'notesXmd']],
    ['./report-?.json', ['report-1.json'], ['report-12.json', 'report-/.json']],
  ])('%s', (pattern, yes, no) => {
    const re = compileWritePattern(pattern);
    for (const p of yes) expect(re.test(p), `${pattern} ~ ${p}`).toBe(true);
    for (const p of no) expect(re.test(p), `${pattern} !~ ${p}`).toBe(false);
  });

  it('normalises the path; paths the sandbox refuses anyway need no approval', () => {
    const check = writeApprovalReason(['out/']);
    expect(check({ path: './out/../out/a.txt' })).toBeUndefined();
    expect(check({ path: 'out/../.git/config' })).toBe("writes '.git/config' (allowed without approval: out/)");
    expect(check({ path: '../x' })).toBeUndefined();
    expect(check({ path: '/etc/passwd' })).toBeUndefined();
    expect(writeApprovalReason([])({ path: 'a.txt' })).toBe("writes 'a.txt' (no write paths are allowed without approval)");
  });
});

describe('scheduler: fs.write with writeApproval', () => {
  const gated = fsWriteAction({ writeApproval: { allowed: ['out/', 'docs/*.md'] } }) as unknown as Action;
  const write = (id: string, path: string, rest = {}) => step(id, { action: 'fs.write', input: { path, content: 'x' }, ...rest });
  const ready = { status: 'ready' as const };

  it('asks before writes outside the allowed set and starts the allowed ones', () => {
    const view = buildView({
      plan: { steps: [write('ok', 'out/report.md'), write('hook', '.git/hooks/pre-commit'), write('src', 'src/main.ts'), write('doc', 'docs/a.md')] },
      steps: { ok: ready, hook: ready, src: ready, doc: ready },
    });
    const { facts } = decide(view, { actions: [gated] });
    expect(summary(facts).sort()).toEqual(['ApprovalRequested:hook', 'ApprovalRequested:src', 'StepStarted:doc', 'StepStarted:ok']);
    const asked = facts.find((f) => f.type === 'ApprovalRequested' && (f.data as { stepId: string }).stepId === 'src');
    expect(asked?.data).toMatchObject({
      scope: 'step',
      reason: "action 'fs.write' requires approval: writes 'src/main.ts' (allowed without approval: out/, docs/*.md) (attempt 1)",
    });
  });

  it('starts once granted; never asks without writeApproval (a person wrote the plan)', () => {
    const granted = { status: 'waiting_approval' as const, approval: { approvalId: 'i1.p1.s.step.1', scope: 'step' as const, status: 'granted' as const, requestedAtMs: 1 } };
    const plan = { steps: [write('s', 'src/main.ts')] };
    expect(summary(decide(buildView({ plan, steps: { s: { ...ready, approval: granted.approval } } }), { actions: [gated] }).facts)).toEqual(['StepStarted:s']);
    const open = fsWriteAction() as unknown as Action;
    expect(summary(decide(buildView({ plan, steps: { s: ready } }), { actions: [open] }).facts)).toEqual(['StepStarted:s']);
  });

  it('judges the path after output references are resolved', () => {
    const plan = { steps: [step('name', { action: 'noop' }), write('w', '{{steps.name.output.path}}', { dependsOn: ['name'] })] };
    const steps = (path: string) => ({ name: { status: 'completed' as const, attempts: 1, output: { path } }, w: ready });
    const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => resolveRefs(input, outputs());
    expect(summary(decide(buildView({ plan, steps: steps('out/x.txt') }), { actions: [gated], resolveInput }).facts)).toEqual(['StepStarted:w']);
    expect(summary(decide(buildView({ plan, steps: steps('.git/config') }), { actions: [gated], resolveInput }).facts)).toEqual(['ApprovalRequested:w']);
  });
});
