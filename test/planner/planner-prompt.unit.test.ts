import { describe, expect, it } from 'vitest';
import { buildPlannerMessages, repairMessages, truncate } from '../../src/planner/planner-prompt.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';

const base: PlanningRequest = {
  threadId: 't',
  interactionId: 'i',
  iteration: 3,
  input: 'tidy the workspace',
  mergedInputs: [],
  observations: [],
  actions: [{ name: 'shell.exec', description: 'Runs a program.', inputSchema: { type: 'object' }, requiresApproval: true }],
  signal: new AbortController().signal,
};

describe('buildPlannerMessages', () => {
  it('puts the actions in the system message and the task state in the user message', () => {
    const [system, user, ...rest] = buildPlannerMessages(base);
    expect(rest).toEqual([]);
    expect(system!.content).toContain('- shell.exec (a human approves each run): Runs a program.\n  input schema: {"type":"object"}');
    expect(system!.content).toContain('{{steps.<id>.output.<path>}}');
    expect(user!.content).toBe('Planning iteration: 3\n\nTask:\ntidy the workspace\n\nObservations: none yet.');
  });

  it('replaces the instructions but keeps the action list; says when there is no action', () => {
    const [system] = buildPlannerMessages({ ...base, actions: [] }, { systemPrompt: 'Be brief.' });
    expect(system!.content).toBe('Be brief.\n\nAvailable actions: none. Answer "done" or "need_input".');
  });

  it('truncates long observation outputs and errors', () => {
    const long = 'x'.repeat(50);
    const [, user] = buildPlannerMessages(
      {
        ...base,
        observations: [
          { planId: 'p', stepId: 'a', action: 'echo', status: 'completed', output: long },
          { planId: 'p', stepId: 'b', action: 'echo', status: 'failed', error: long },
          { planId: 'p', stepId: 'c', action: 'echo', status: 'cancelled' },
        ],
      },
      { maxObservationChars: 10 },
    );
    expect(user!.content).toContain(`step a (echo): completed; output: "xxxxxxxxx… [42 more characters]`);
    expect(user!.content).toContain(`step b (echo): failed; error: xxxxxxxxxx… [40 more characters]`);
    expect(user!.content).toContain('step c (echo): cancelled');
  });

  it('repair turn echoes the reply and lists the issues', () => {
    expect(repairMessages('{}', ['kind: bad', 'answer: missing'])).toEqual([
      { role: 'assistant', content: '{}' },
      { role: 'user', content: 'Your reply was invalid:\n- kind: bad\n- answer: missing\nAnswer again with one corrected JSON object.' },
    ]);
    expect(truncate('abc', 3)).toBe('abc');
  });
});
