/** Plan file text: unknown keys with their position and a suggestion, nesting and alias limits, `actions`. */
import { describe, expect, it } from 'vitest';
import { isPlanFileError, type PlanFileError } from '../../src/planner/errors.ts';
import { MAX_PLAN_DEPTH, parsePlanFileText } from '../../src/planner/plan-text.ts';

function planError(text: string, file: string): PlanFileError {
  try {
    parsePlanFileText(text, file);
  } catch (err) {
    if (isPlanFileError(err)) return err;
    throw err;
  }
  throw new Error('expected a PlanFileError');
}

describe('unknown keys', () => {
  it('at step, plan, retry and budget level: the key itself is located, with a suggestion', () => {
    const step = planError('steps:\n  - id: a\n    action: echo\n    requireApproval: true\n', 'p.yaml');
    expect(step.message).toBe("p.yaml:4:5: invalid plan: steps[0] (id 'a'): unknown key 'requireApproval' (did you mean 'requiresApproval'?)");
    expect([step.line, step.column]).toEqual([4, 5]);
    const plan = planError('title: t\nfailure_policy: continue\nsteps:\n  - { id: a, action: echo }\n', 'p.yaml');
    expect(plan.message).toBe("p.yaml:2:1: invalid plan: (root): unknown key 'failure_policy' (did you mean 'failurePolicy'?)");
    const retry = planError('steps:\n  - id: a\n    action: echo\n    retry: { maxAttempts: 2, backoff: 10 }\n', 'p.yaml');
    expect(retry.message).toBe("p.yaml:4:30: invalid plan: steps[0] (id 'a').retry: unknown key 'backoff' (did you mean 'backoffMs'?)");
    const budget = planError('budget:\n  limitUsd: 1\n  onexceed: fail\nsteps:\n  - { id: a, action: echo }\n', 'p.yaml');
    expect(budget.message).toBe("p.yaml:3:3: invalid plan: budget: unknown key 'onexceed' (did you mean 'onExceed'?)");
  });

  it('in JSON files too, and a key nothing resembles lists the allowed keys', () => {
    const e = planError('{\n  "steps": [{ "id": "a", "action": "echo", "colour": "red" }]\n}\n', 'p.json');
    expect(e.message).toMatch(/^p\.json:2:44: invalid plan: steps\[0\] \(id 'a'\): unknown key 'colour' \(allowed: id, action, input, /);
  });

  it("leaves a step's input keys to the action's schema", () => {
    const r = parsePlanFileText('steps:\n  - id: a\n    action: echo\n    input: { anything: 1, goes: 2 }\n', 'p.yaml');
    expect(r.plan.steps[0]!.input).toEqual({ anything: 1, goes: 2 });
  });
});

describe('nesting and aliases', () => {
  const nested = (depth: number) => `{"steps":[{"id":"a","action":"echo","input":{"x":${'['.repeat(depth - 4)}${']'.repeat(depth - 4)}}}]}`;
  it(`accepts ${MAX_PLAN_DEPTH} levels, refuses ${MAX_PLAN_DEPTH + 1} at the collection that passes the limit`, () => {
    expect(parsePlanFileText(nested(MAX_PLAN_DEPTH), 'p.json').plan.steps).toHaveLength(1);
    const e = planError(nested(MAX_PLAN_DEPTH + 1), 'p.json');
    expect(e.message).toBe(`p.json:1:${49 + MAX_PLAN_DEPTH + 1 - 4}: invalid plan: collections nest deeper than ${MAX_PLAN_DEPTH} levels`);
  });

  it('a 1,000-deep JSON file and a 100,000-deep one fail fast with the position (no stack or heap exhaustion)', () => {
    for (const depth of [1_000, 100_000]) expect(planError(nested(depth), 'p.json').message).toMatch(/^p\.json:1:\d+: invalid plan: collections nest deeper/);
    let yaml = 'steps:\n';
    for (let i = 0, indent = '  '; i < 200; i++, indent += '  ') yaml += `${indent}- k:\n`;
    expect(planError(yaml, 'p.yaml').message).toMatch(/^p\.yaml:\d+:\d+: invalid plan: collections nest deeper than 64 levels$/);
  });

  it('an alias bomb is a plan file error at the first alias', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const e = planError(`${levels.join('\n')}\nsteps:\n  - { id: a, action: echo, input: { x: *h } }\n`, 'bomb.yaml');
    expect(e.message).toBe('bomb.yaml:2:8: invalid YAML: aliases expand to too many nodes (more than 100 per alias)');
  });

  it('small aliases still work', () => {
    const r = parsePlanFileText('steps:\n  - { id: a, action: echo, input: &in { x: 1 } }\n  - { id: b, action: echo, input: *in }\n', 'p.yaml');
    expect(r.plan.steps[1]!.input).toEqual({ x: 1 });
  });

  it('refuses duplicate keys in YAML and JSON alike', () => {
    expect(planError('steps:\n  - { id: a, action: echo }\nsteps: []\n', 'p.yaml').message).toMatch(/^p\.yaml:3:1: invalid YAML: Map keys must be unique/);
    expect(planError('{"steps": [{"id": "a", "action": "echo", "requiresApproval": true, "requiresApproval": false}]}', 'p.json').message).toBe(
      'p.json:1:68: invalid JSON: duplicate key (JSON.parse would keep only the last one)',
    );
  });

  it('refuses a second YAML document', () => {
    expect(planError('steps:\n  - { id: a, action: echo }\n---\ntitle: x\n', 'p.yaml').message).toMatch(/^p\.yaml:3:1: invalid YAML: the file holds more than one document/);
  });
});

describe('actions', () => {
  it('a path or a list of paths, kept out of the plan', () => {
    const one = parsePlanFileText('actions: ./a.ts\nsteps:\n  - { id: a, action: echo }\n', 'p.yaml');
    expect(one.actionModules).toEqual(['./a.ts']);
    expect(one.plan).not.toHaveProperty('actions');
    expect(parsePlanFileText('actions: [./a.ts, ./b.ts]\nsteps:\n  - { id: a, action: echo }\n', 'p.yaml').actionModules).toEqual(['./a.ts', './b.ts']);
    expect(planError('actions: 3\nsteps:\n  - { id: a, action: echo }\n', 'p.yaml').message).toBe(
      'p.yaml:1:10: invalid plan: actions: expected a module path or a list of module paths',
    );
  });
});
