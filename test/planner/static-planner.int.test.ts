import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStaticPlanner, loadPlanFile } from '../../src/planner/static-planner.ts';
import { isPlanFileError, type PlanFileError } from '../../src/planner/errors.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';
import type { PlanSpec } from '../../src/plan/plan-schema.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchestral-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function loadError(path: string): Promise<PlanFileError> {
  const err = await loadPlanFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPlanFileError(err)).toBe(true);
  return err as PlanFileError;
}

const YAML_PLAN = `title: nightly
failurePolicy: continue
steps:
  - id: fetch
    action: http.request
    input: { url: "http://127.0.0.1/x" }
    retry: { maxAttempts: 3, backoffMs: 100 }
  - id: save
    action: fs.write
    dependsOn: [fetch]
    input:
      path: out.json
      content: "{{steps.fetch.output.body}}"
`;

describe('loadPlanFile', () => {
  it('reads YAML with defaults applied', async () => {
    const plan = await loadPlanFile(await file('plan.yaml', YAML_PLAN));
    expect(plan.title).toBe('nightly');
    expect(plan.maxConcurrency).toBe(4);
    expect(plan.steps[0]).toMatchObject({ id: 'fetch', retry: { maxAttempts: 3, backoffMs: 100, maxBackoffMs: 30_000 }, dependsOn: [] });
    expect(plan.steps[1]).toMatchObject({ id: 'save', dependsOn: ['fetch'], input: { content: '{{steps.fetch.output.body}}' } });
  });

  it('reads JSON', async () => {
    const plan = await loadPlanFile(await file('plan.json', JSON.stringify({ steps: [{ id: 'a', action: 'echo', input: { text: 'x' } }] })));
    expect(plan.steps).toEqual([{ id: 'a', action: 'echo', input: { text: 'x' }, dependsOn: [], priority: 0 }]);
    expect(plan.failurePolicy).toBe('fail_fast');
  });

  it('names the file, line and column of a JSON syntax error', async () => {
    const path = await file('broken.json', '{\n  "steps": [\n    { "id": "a", }\n  ]\n}\n');
    const err = await loadError(path);
    expect(err.code).toBe('PLAN_FILE');
    expect(err.file).toBe(path);
    expect([err.line, err.column]).toEqual([3, 18]);
    expect(err.message).toMatch(new RegExp(`^${escape(path)}:3:18: invalid JSON: `));
  });

  it('names the file, line and column of a YAML syntax error', async () => {
    const path = await file('broken.yaml', 'steps:\n  - id: a\n    action: echo\n  input: [1, 2\n');
    const err = await loadError(path);
    expect(err.message).toMatch(new RegExp(`^${escape(path)}:\\d+:\\d+: invalid YAML: `));
    expect(err.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses duplicate YAML keys with their position', async () => {
    const err = await loadError(await file('dup.yaml', 'steps:\n  - id: a\n    action: echo\n    id: b\n'));
    expect([err.line, err.column]).toEqual([4, 5]);
    expect(err.message).toContain('invalid YAML');
  });

  it('names the field path, the step id and its position for schema errors', async () => {
    const yaml = `steps:
  - id: a
    action: echo
  - id: b
    action: echo
  - id: c
    action: echo
    retry:
      maxAttempts: 0
`;
    const path = await file('schema.yaml', yaml);
    const err = await loadError(path);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatch(/^steps\[2\] \(id 'c'\)\.retry\.maxAttempts: /);
    expect([err.line, err.column]).toEqual([9, 20]);
    expect(err.message).toContain(`${path}:9:20: invalid plan: steps[2] (id 'c').retry.maxAttempts`);
  });

  it('locates a missing field at its parent and reports every issue', async () => {
    const path = await file('missing.json', '{"steps": [{"id": "a"}, {"id": "-bad", "action": "echo"}], "maxConcurrency": 0}');
    const err = await loadError(path);
    expect(err.issues.map((i) => i.split(':')[0])).toEqual(["steps[0] (id 'a').action", "steps[1] (id '-bad').id", 'maxConcurrency']);
    expect([err.line, err.column]).toEqual([1, 12]);
  });

  it('reports an empty document and a missing file', async () => {
    expect((await loadError(await file('empty.yaml', ''))).issues[0]).toMatch(/^\(root\): /);
    const missing = await loadError(join(dir, 'nope.yaml'));
    expect(missing.message).toContain('cannot read plan file');
    expect(missing.message).toContain('nope.yaml');
  });
});

describe('StaticPlanner', () => {
  const req = (iteration: number, observations: PlanningRequest['observations'] = []): PlanningRequest => ({
    threadId: 't',
    interactionId: 'i',
    iteration,
    input: 'run the plan',
    mergedInputs: [],
    observations,
    actions: [],
    signal: new AbortController().signal,
  });

  it('returns the plan file as a mini_plan, then done with a summary of the observations', async () => {
    const path = await file('static.yaml', YAML_PLAN);
    const plan = await loadPlanFile(path);
    const planner = createStaticPlanner(plan, { source: path });

    const first = await planner.plan(req(1));
    expect(first).toEqual({ output: { kind: 'mini_plan', plan }, request: { planner: 'static', source: path, iteration: 1 }, repairs: 0 });

    const second = await planner.plan(
      req(2, [
        { planId: 'p1', stepId: 'fetch', action: 'http.request', status: 'completed', output: { status: 200 } },
        { planId: 'p1', stepId: 'save', action: 'fs.write', status: 'failed', error: 'disk full' },
      ]),
    );
    expect(second.output).toEqual({
      kind: 'done',
      answer: "Plan 'nightly' finished: 1 completed, 1 failed, 0 cancelled.\n- fetch (http.request): completed → {\"status\":200}\n- save (fs.write): failed: disk full",
    });
    expect(second.usage).toBeUndefined();
  });

  it('summarises a run without a title or observations, and refuses an invalid plan', async () => {
    const planner = createStaticPlanner({ steps: [{ id: 'a', action: 'echo', input: {}, dependsOn: [], priority: 0 }], maxConcurrency: 1, failurePolicy: 'fail_fast' });
    expect((await planner.plan(req(2))).output).toEqual({ kind: 'done', answer: 'Plan finished: 0 completed, 0 failed, 0 cancelled.' });
    const bad = { steps: [], maxConcurrency: 1, failurePolicy: 'fail_fast' } as const;
    expect(() => createStaticPlanner(bad as unknown as PlanSpec, { source: 'x.yaml' })).toThrow(/^static planner \(x\.yaml\): invalid plan: steps: /);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
