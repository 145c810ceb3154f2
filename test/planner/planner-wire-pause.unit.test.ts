/** The OpenAI planner's wire format offers no pause points (nor budgets): a reply that sets them anyway has them dropped. */
import { describe, expect, it } from 'vitest';
import { parsePlannerReply, plannerResponseFormat } from '../../src/planner/planner-wire.ts';

describe('planner wire: fields a model may not set', () => {
  it('the wire schema has no interruptBefore/interruptAfter/budget field', () => {
    const text = JSON.stringify(plannerResponseFormat().json_schema.schema);
    expect(text).toContain('requiresApproval'); // the schema sent to the model, with the step fields it offers
    for (const field of ['interruptBefore', 'interruptAfter', 'budget', 'estimatedCostUsd', 'approvalTimeoutMs']) expect(text).not.toContain(field);
  });

  it('drops them from a non-strict reply (mini_plan and single_action); keeps what the wire offers', () => {
    const step = { id: 'a', action: 'x', inputJson: '{"q":1}', dependsOn: [], requiresApproval: true, interruptBefore: true, interruptAfter: true, estimatedCostUsd: 0 };
    const plan = parsePlannerReply(JSON.stringify({ kind: 'mini_plan', plan: { steps: [step], budget: { limitUsd: 1e6 }, approvalTimeoutMs: 5, maxConcurrency: 2 } }));
    expect(plan).toEqual({
      ok: true,
      output: {
        kind: 'mini_plan',
        plan: { steps: [{ id: 'a', action: 'x', input: { q: 1 }, dependsOn: [], priority: 0, requiresApproval: true }], maxConcurrency: 2, failurePolicy: 'fail_fast' },
      },
    });
    const single = parsePlannerReply(JSON.stringify({ kind: 'single_action', step: { id: 'a', action: 'x', input: { q: 2 }, interruptBefore: true } }));
    expect(single).toEqual({ ok: true, output: { kind: 'single_action', step: { id: 'a', action: 'x', input: { q: 2 }, dependsOn: [], priority: 0 } } });
  });

  it('still reports the issues of what it keeps', () => {
    const bad = parsePlannerReply(JSON.stringify({ kind: 'single_action', step: { id: '-bad', action: 'x', interruptBefore: 'yes' } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues.join('\n')).toContain('step.id');
      expect(bad.issues.join('\n')).not.toContain('interruptBefore');
    }
  });

  it('a key nobody knows is an issue for the repair prompt, with a suggestion (not silently dropped)', () => {
    const step = { id: 'a', action: 'x', inputJson: '{}', dependsOn: [], requireApproval: true };
    const r = parsePlannerReply(JSON.stringify({ kind: 'mini_plan', plan: { steps: [step], failurPolicy: 'continue' } }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toContain("plan.steps[0] (id 'a'): unknown key 'requireApproval' (did you mean 'requiresApproval'?)");
      expect(r.issues).toContain("plan: unknown key 'failurPolicy' (did you mean 'failurePolicy'?)");
    }
    const single = parsePlannerReply(JSON.stringify({ kind: 'single_action', step: { id: 'a', action: 'x', retry: { maxAttempts: 2, backoffMs: 1, maxBackoffMs: 1, jitter: true } } }));
    expect(single).toMatchObject({ ok: false, issues: [expect.stringMatching(/^step\.retry: unknown key 'jitter'/)] });
  });
});
