/**
 * The snapshot cache's machine hash covers the helpers the machines call from outside their
 * definitions (machines/helper-sources.ts): a changed helper changes the hash, so cached snapshots
 * folded by the old code are not reused.
 */
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { AppendSeq } from '../../src/core/append-seq.ts';
import { OrderedRecord } from '../../src/core/ordered-record.ts';
import { defaultMachines, type MachineSet } from '../../src/history/fold/thread-state.ts';
import { machineDefinitionHash, machineDefinitionHashInput } from '../../src/history/snapshot-cache/snapshot-cache-machines.ts';
import { MACHINE_HELPER_SOURCES } from '../../machines/helper-sources.ts';
import * as interactionContext from '../../machines/interaction-context.ts';
import { derivedStatus, isFinalStatus, stepLifecycleAfter } from '../../machines/step-lifecycle.ts';

const input = machineDefinitionHashInput(defaultMachines);

describe('machineDefinitionHash: helpers outside the machine definitions', () => {
  it('hashes the source text of every interaction-context function, the step lifecycle and the context classes', () => {
    const fns = Object.entries(interactionContext as Record<string, unknown>).filter(([, v]) => typeof v === 'function');
    expect(fns.map(([name]) => name).sort()).toEqual(['actionOf', 'currentPlan', 'outcomeObservation', 'rejectionReason', 'setPlanApproval', 'stepById', 'withdrawnApproval']);
    for (const [name, fn] of fns) expect(input.includes(String(fn)), name).toBe(true);
    for (const fn of [stepLifecycleAfter, isFinalStatus, derivedStatus, AppendSeq, OrderedRecord]) expect(input.includes(String(fn)), fn.name).toBe(true);
    for (const [name, text] of Object.entries(MACHINE_HELPER_SOURCES)) {
      expect(text.length, name).toBeGreaterThan(0);
      expect(input.includes(text), name).toBe(true);
    }
  });

  it('a helper whose source text changes changes the hash (each source in turn); the same texts give the same hash', () => {
    const base = machineDefinitionHash();
    expect(machineDefinitionHash(defaultMachines, { ...MACHINE_HELPER_SOURCES })).toBe(base);
    const changed = new Set<string>();
    for (const key of Object.keys(MACHINE_HELPER_SOURCES)) {
      // e.g. rejectionReason saying "declined by" instead of "rejected by": a one-word edit of one helper
      const text = MACHINE_HELPER_SOURCES[key]!;
      const edited = text.includes('rejected by') ? text.replace('rejected by', 'declined by') : `${text} `;
      const h = machineDefinitionHash(defaultMachines, { ...MACHINE_HELPER_SOURCES, [key]: edited });
      expect(h, key).not.toBe(base);
      changed.add(h);
    }
    expect(changed.size).toBe(Object.keys(MACHINE_HELPER_SOURCES).length);
    // the edit above reached the interaction helpers' text itself
    expect(MACHINE_HELPER_SOURCES.interactionContext).toContain('rejected by');
  });

  it("sees the step machine's `moves` guards' (from, target): swapping two guards of one source text changes the hash", () => {
    const step = defaultMachines.step;
    const config = step.config as unknown as { states: Record<string, { on: Record<string, unknown> }> };
    const running = config.states['running']!;
    const [toReady, toFailed] = running.on['StepFailed'] as [{ guard: unknown }, { guard: unknown }];
    expect(String(toReady.guard)).toBe(String(toFailed.guard)); // the closure's text alone cannot tell them apart
    const swapped = createMachine(
      { ...config, states: { ...config.states, running: { ...running, on: { ...running.on, StepFailed: [{ ...toReady, guard: toFailed.guard }, { ...toFailed, guard: toReady.guard }] } } } } as never,
      step.implementations as never,
    ) as unknown as MachineSet['step'];
    expect(machineDefinitionHash({ ...defaultMachines, step: swapped })).not.toBe(machineDefinitionHash());
    expect(input).toContain('{"from":"running","target":"ready"}');
  });
});
