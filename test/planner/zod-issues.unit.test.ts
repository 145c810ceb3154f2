import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, formatZodIssues } from '../../src/planner/zod-issues.ts';

describe('formatPath / formatZodIssues', () => {
  it('renders JavaScript-like paths', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['steps', 2, 'retry', 'maxAttempts'])).toBe('steps[2].retry.maxAttempts');
    expect(formatPath(['input', 'x-y', 0])).toBe('input["x-y"][0]');
  });

  it('names the step id when the input has one', () => {
    const schema = z.object({ plan: z.object({ steps: z.array(z.object({ id: z.string(), n: z.number() })) }) });
    const input = { plan: { steps: [{ id: 'a', n: 1 }, { id: 'b', n: 'x' }, { n: 'y' }] } };
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(formatZodIssues(r.error.issues, input).map((l) => l.split(': ')[0])).toEqual([
      "plan.steps[1] (id 'b').n",
      'plan.steps[2].id',
      'plan.steps[2].n',
    ]);
  });
});
