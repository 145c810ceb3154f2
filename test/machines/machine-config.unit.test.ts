/**
 * `orchestral machines --json` exports configs `createMachine` takes: rebuilt from the JSON with the
 * exported implementations, each machine starts (`getInitialSnapshot`) and folding a recorded
 * history through the rebuilt machines gives the recorded state hashes at every revision.
 */
import { createActor, createMachine, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { interactionMachine } from '../../machines/interaction.machine.ts';
import { stepMachine } from '../../machines/step.machine.ts';
import { threadMachine } from '../../machines/thread.machine.ts';
import { machineDefinitions } from '../../src/cli/commands/machines.ts';
import { exportMachine } from '../../src/runtime/machine-config.ts';
import type { MachineSet } from '../../src/history/fold/thread-state.ts';
import { initialSnapshot } from '../../src/history/fold/xstate-adapter.ts';
import { checkReplay, createTestRuntime } from '../../src/testing/index.ts';

const originals: Record<string, AnyStateMachine> = { thread: threadMachine, interaction: interactionMachine, step: stepMachine };
const json = JSON.parse(JSON.stringify(machineDefinitions())) as Record<string, Record<string, unknown>>;

const rebuild = (id: string): AnyStateMachine => {
  const { implementations, context } = exportMachine(originals[id]!);
  return createMachine({ ...json[id]!, ...(context !== undefined ? { context } : {}) } as never, implementations as never);
};

describe('machines --json', () => {
  it('exports configs: initial is a state name, no function survives', () => {
    for (const id of Object.keys(originals)) {
      expect(typeof json[id]!['initial']).toBe('string');
      expect(JSON.stringify(json[id])).not.toContain('"guard":{}');
    }
  });

  it('createMachine(config, implementations) starts: getInitialSnapshot (with an actor scope) and createActor', () => {
    for (const id of Object.keys(originals)) {
      const input = id === 'thread' ? { threadId: 't' } : id === 'interaction' ? { interactionId: 'i1', inputId: 'x', text: 'hi', maxIterations: 8 } : { interactionId: 'i1', planId: 'p1', step: { id: 's', action: 'echo', input: {}, dependsOn: [], priority: 0 } };
      const bare = createMachine(json[id] as never, exportMachine(originals[id]!).implementations as never);
      expect(createActor(bare, { input } as never).getSnapshot().status).toBe('active');
      const rebuilt = initialSnapshot(rebuild(id), input);
      const original = initialSnapshot(originals[id]!, input);
      expect(rebuilt.status).toBe('active');
      expect({ value: rebuilt.value, context: rebuilt.context }).toEqual({ value: original.value, context: original.context });
    }
  });

  it('a recorded history folds through the rebuilt machines to the recorded hashes', async () => {
    const plan = { kind: 'mini_plan' as const, plan: { requiresApproval: true, steps: [{ id: 'a', action: 'echo', input: { n: 1 } }, { id: 'b', action: 'echo', dependsOn: ['a'], retry: { maxAttempts: 2 } }] } };
    const t = createTestRuntime({ script: [plan, { kind: 'done', answer: 'ok' }] });
    await t.runtime.openThread({ threadId: 't', input: { text: 'go' } });
    const s = await t.settle('t');
    await t.runtime.approve('t', s.interactions['i1']!.pendingApprovals[0]!, { by: 'me' });
    await t.runtime.send('t', 'again');
    await t.settle('t');
    const machines = { thread: rebuild('thread'), interaction: rebuild('interaction'), step: rebuild('step') } as unknown as MachineSet;
    const report = await checkReplay(t.store, 't', { machines });
    expect(report.recordedHashes).toBe(report.facts);
    expect(report.facts).toBeGreaterThan(20);
    await t.runtime.close();
  });
});
