/** Wire-form replies (see src/planner/planner-wire.ts) for planner tests. */

/** A wire step with every nullable field null unless overridden. */
export function wireStep(id: string, action: string, input: unknown, extra: Record<string, unknown> = {}) {
  return {
    id,
    action,
    inputJson: JSON.stringify(input),
    dependsOn: [],
    dependsOnAny: null,
    priority: null,
    retry: null,
    timeoutMs: null,
    requiresApproval: null,
    description: null,
    ...extra,
  };
}

/** A complete wire reply: every field of other kinds null. */
export function wireReply(fields: Record<string, unknown>): string {
  return JSON.stringify({ kind: 'done', thought: null, step: null, plan: null, answer: null, question: null, ...fields });
}

/** A valid mini_plan reply: `a` (echo) then `b` (echo) depending on it. */
export function miniPlanReply(): string {
  return wireReply({
    kind: 'mini_plan',
    thought: 'two steps',
    plan: {
      title: 'demo',
      steps: [
        wireStep('a', 'echo', { text: 'hi' }),
        wireStep('b', 'echo', { text: '{{steps.a.output.text}}' }, { dependsOn: ['a'], retry: { maxAttempts: 3, backoffMs: 10, maxBackoffMs: 100 } }),
      ],
      maxConcurrency: null,
      failurePolicy: 'continue',
      requiresApproval: null,
    },
  });
}
