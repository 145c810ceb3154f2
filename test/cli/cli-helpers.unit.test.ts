/** Pure pieces of the CLI: exit codes, error lines, argument parsing, next commands, plan positions, DAG text, outcomes. */
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { PlanDag } from '../../projections/dag.ts';
import { builtinOptionsFromEnv } from '../../src/cli/action-modules.ts';
import { parsePort, parseRevision } from '../../src/cli/args.ts';
import { BadRevisionError, exitCodeFor, formatCliError, UsageError } from '../../src/cli/cli-errors.ts';
import { parsePolicy } from '../../src/cli/commands/run.ts';
import { outcomeOf } from '../../src/cli/drive.ts';
import { nextCommand, shellQuote } from '../../src/cli/next-command.ts';
import { fieldPath } from '../../src/cli/plan-file.ts';
import { parsePlanFileText } from '../../src/planner/plan-text.ts';
import { renderDag } from '../../src/cli/render/dag-text.ts';
import { duration } from '../../src/cli/render/status-marks.ts';
import { fit } from '../../src/cli/render/fit.ts';
import { progressBar } from '../../src/cli/render/step-table.ts';
import { PlannerConfigError, PlanFileError } from '../../src/planner/errors.ts';
import { ThreadNotFoundError } from '../../src/runtime/command-errors.ts';
import type { ThreadSummary } from '../../src/runtime/thread-summary.ts';
import { StoreOpenError } from '../../src/store/errors.ts';

const plain = pc.createColors(false);

describe('exit codes and error lines', () => {
  it('usage errors are 64, failures 1', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(64);
    expect(exitCodeFor(new PlanFileError('f', 'f:1:2: bad'))).toBe(64);
    expect(exitCodeFor(new PlannerConfigError('no key'))).toBe(64);
    expect(exitCodeFor(new BadRevisionError('t', 9n, 3n, '--at'))).toBe(64);
    expect(exitCodeFor(new StoreOpenError('x', 'bad_url', 'nope'))).toBe(64);
    expect(exitCodeFor(new StoreOpenError('x', 'locked', 'busy'))).toBe(1);
    expect(exitCodeFor(new ThreadNotFoundError('t'))).toBe(1);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(exitCodeFor('not an error')).toBe(1);
  });

  it('one line without --debug, the stack with it', () => {
    const err = new Error('first line\nsecond line');
    expect(formatCliError(err, false)).toBe('orchestral: first line');
    expect(formatCliError(err, true)).toMatch(/^orchestral: Error: first line\nsecond line\n\s+at /);
    expect(formatCliError(new Error("error: unknown option '--x'"), false)).toBe("orchestral: unknown option '--x'");
    expect(new BadRevisionError('t', 9n, 3n, '--at').message).toBe("--at 9: thread 't' has revisions 0..3");
  });
});

describe('argument parsing', () => {
  it('revisions, ports and policies', () => {
    expect(parseRevision('0', '--at')).toBe(0n);
    expect(parseRevision('123', '--at')).toBe(123n);
    for (const bad of ['', '-1', '1.5', 'abc', '1e3', '9999999999999999999']) expect(() => parseRevision(bad, '--at')).toThrow(UsageError);
    expect(parsePort(undefined, '--p', 8080)).toBe(8080);
    expect(parsePort('0', '--p', 8080)).toBe(0);
    expect(() => parsePort('70000', '--p', 1)).toThrow(/--p: expected a port/);
    expect(parsePolicy(undefined)).toBeUndefined();
    expect(parsePolicy('steer')).toEqual({ kind: 'steer' });
    expect(parsePolicy('parallel:3')).toEqual({ kind: 'parallel', max: 3 });
    for (const bad of ['parallel:0', 'parallel', 'custom', 'Enqueue']) expect(() => parsePolicy(bad)).toThrow(/--policy/);
  });

  it('built-in options from the environment', () => {
    expect(builtinOptionsFromEnv({}, true)).toEqual({ shell: { requiresApproval: true }, http: { allowedHosts: [] }, fs: { writeApproval: { allowed: [] } } });
    expect(builtinOptionsFromEnv({ ORCHESTRAL_FS_WRITE_ALLOW: 'out/, docs/*.md' }, true, ['/w/.orchestral'])).toMatchObject({
      fs: { protectedPaths: ['/w/.orchestral'], writeApproval: { allowed: ['out/', 'docs/*.md'] } },
    });
    expect(builtinOptionsFromEnv({ ORCHESTRAL_FS_WRITE_ALLOW: 'out/' }, false).fs).toBeUndefined();
    for (const bad of ['/etc', '../x', 'out/,../../y', 'a/../../b']) {
      expect(() => builtinOptionsFromEnv({ ORCHESTRAL_FS_WRITE_ALLOW: bad }, true), bad).toThrow(/ORCHESTRAL_FS_WRITE_ALLOW: expected comma-separated paths or globs relative to the workspace/);
    }
    expect(builtinOptionsFromEnv({ ORCHESTRAL_HTTP_ALLOW: ' a.com, *.b.org ,', OPENAI_BASE_URL: 'http://x', ORCHESTRAL_MODEL: 'm' }, false)).toEqual({
      shell: { requiresApproval: false },
      http: { allowedHosts: ['a.com', '*.b.org'] },
      llm: { model: 'm', client: {} },
    });
  });
});

describe('next commands', () => {
  it('quotes for a POSIX shell and adds --store only when not the default', () => {
    expect(shellQuote('write-report')).toBe('write-report');
    expect(shellQuote('not now')).toBe("'not now'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(nextCommand(['approve', 't1', 'a'], 'sqlite:.orchestral/events.db')).toBe('npx orchestral approve t1 a');
    expect(nextCommand(['reject', 't1', 'a', '--reason', 'not now'], 'sqlite:/tmp/x y.db')).toBe(
      "npx orchestral reject t1 a --reason 'not now' --store 'sqlite:/tmp/x y.db'",
    );
  });
});

describe('plan file positions', () => {
  const text = 'title: t\nsteps:\n  - id: a\n    action: echo\n  - id: b\n    action: nope\n    input: { x: 1 }\n';
  it('field paths', () => {
    expect(fieldPath('steps[1].input.x')).toEqual(['steps', 1, 'input', 'x']);
    expect(fieldPath('maxConcurrency')).toEqual(['maxConcurrency']);
  });
  it('locates a field, or its nearest existing parent', () => {
    const locateField = (t: string, field: string) => parsePlanFileText(t, 'plan.yaml').locate(fieldPath(field));
    expect(locateField(text, 'steps[1].action')).toEqual({ line: 6, col: 13 });
    expect(locateField(text, 'steps[1].input.x')).toEqual({ line: 7, col: 17 });
    expect(locateField(text, 'steps[1].retry.maxAttempts')).toEqual({ line: 5, col: 5 });
  });
});

describe('rendering', () => {
  it('the DAG, one row per layer, with dependencies and the critical path', () => {
    const node = (id: string, layer: number, status: PlanDag['nodes'][string]['status'], dependsOn: string[] = []) =>
      ({ id, action: 'echo', label: id, dependsOn, anyJoin: false, layer, status, attempts: 1, runMs: 10, pathMs: null, pathPrev: null }) as PlanDag['nodes'][string];
    const dag: PlanDag = {
      planId: 'p1',
      iteration: 1,
      title: null,
      status: 'running',
      gated: false,
      nodeOrder: ['a', 'b', 'c'],
      nodes: { a: node('a', 0, 'completed'), b: node('b', 0, 'running'), c: node('c', 1, 'pending', ['a', 'b']) },
      edges: [
        { from: 'a', to: 'c' },
        { from: 'b', to: 'c' },
      ],
      layerCount: 2,
      ready: [],
      criticalPath: { stepIds: ['a'], durationMs: 10 },
    };
    expect(renderDag(plain, dag)).toEqual(['  L0  ✓ a   ▶ b', '  L1  · c ⇐ a, b', '  critical path so far: a (10ms)']);
  });

  it('progress bar, durations, fitting', () => {
    expect(progressBar(1, 4, 8)).toBe('[██░░░░░░] 1/4');
    expect(progressBar(0, 0, 4)).toBe('[░░░░] 0/0');
    expect(duration(850)).toBe('850ms');
    expect(duration(1250)).toBe('1.3s');
    expect(duration(184_000)).toBe('3m04s');
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4)).toBe('ab  ');
  });
});

describe('outcome of a drive', () => {
  const summary = (statuses: Record<string, string>) =>
    ({ interactions: Object.fromEntries(Object.entries(statuses).map(([id, status]) => [id, { interactionId: id, status, planIds: [], observations: [] }])) }) as unknown as ThreadSummary;
  it('completed 0, failed or cancelled 1, waiting or queued 2', () => {
    expect(outcomeOf(summary({ i1: 'completed' }), ['i1'])).toEqual({ exitCode: 0, status: 'completed' });
    expect(outcomeOf(summary({ i1: 'completed', i2: 'failed' }), ['i1', 'i2'])).toEqual({ exitCode: 1, status: 'failed' });
    expect(outcomeOf(summary({ i1: 'cancelled' }), ['i1'])).toEqual({ exitCode: 1, status: 'failed' });
    expect(outcomeOf(summary({ i1: 'waiting_approval' }), ['i1'])).toEqual({ exitCode: 2, status: 'paused' });
    expect(outcomeOf(summary({ i1: 'interrupted' }), ['i1'])).toEqual({ exitCode: 2, status: 'paused' });
    expect(outcomeOf(summary({}), ['i9'])).toEqual({ exitCode: 2, status: 'paused' });
  });
});
