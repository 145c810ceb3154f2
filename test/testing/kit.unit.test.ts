/**
 * The property helpers of orchestral/testing: plan arbitraries (acyclic, valid, runnable), fact
 * histories (contiguous revisions), the thread model kit (passes on a correct custom policy, fails
 * on its broken twin: the mutant check) and machine coverage (all transitions of a fixture machine
 * reached; a broken guard leaves one missing). Seeds are fixed and printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStaticPlanner, PlanSpec } from '../../src/index.ts';
import {
  checkReplay,
  checkThreadModel,
  createTestRuntime,
  dependencyOrder,
  factHistoryArbitrary,
  machineCoverage,
  planArbitrary,
  threadCommands,
} from '../../src/testing/index.ts';
import { brokenDoor, doorEvents, doorMachine } from './fixtures/door.machine.ts';
import { brokenOneAtATime, oneAtATime } from './fixtures/one-at-a-time.ts';

const SEED = Number(process.env['ORCHESTRAL_KIT_SEED'] ?? 20260101);
console.log(`testing kit properties: seed ${SEED} (ORCHESTRAL_KIT_SEED to change)`);

describe('planArbitrary', () => {
  it('generates valid acyclic plans that the static planner accepts', () => {
    fc.assert(
      fc.property(planArbitrary({ approvals: true }), (plan) => {
        expect(PlanSpec.safeParse(plan).success).toBe(true);
        expect(dependencyOrder(plan)).toEqual(plan.steps.map((s) => s.id)); // plan order already respects dependencies
        createStaticPlanner(plan);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('generated plans run to completion and replay', async () => {
    await fc.assert(
      fc.asyncProperty(planArbitrary({ retries: false }), async (plan) => {
        const t = createTestRuntime({ planner: createStaticPlanner(plan) });
        await t.runtime.openThread({ threadId: 't', input: { text: 'go' } });
        const s = await t.settle('t');
        expect(s.interactions['i1']?.status).toBe('completed');
        await checkReplay(t.store, 't', { runtime: t.runtime });
        await t.runtime.close();
      }),
      { seed: SEED, numRuns: 10 },
    );
  });

  it('dependencyOrder refuses a cycle', () => {
    expect(() => dependencyOrder({ steps: [{ id: 'a', action: 'echo', dependsOn: ['b'] }, { id: 'b', action: 'echo', dependsOn: ['a'] }] })).toThrow(/cycle/);
  });
});

describe('factHistoryArbitrary', () => {
  it('yields per-stream contiguous revisions in position order', () => {
    fc.assert(
      fc.property(factHistoryArbitrary({ maxLength: 30 }), ({ facts }) => {
        const next = new Map<string, number>();
        facts.forEach((f, i) => {
          expect(f.position).toBe(BigInt(i));
          expect(f.revision).toBe(BigInt(next.get(f.streamId) ?? 0));
          next.set(f.streamId, Number(f.revision) + 1);
        });
      }),
      { seed: SEED, numRuns: 30 },
    );
  });
});

describe('thread model kit (fc.commands)', () => {
  const oneLive = { invariant: (r: { test: { runtime: { state(id: string): { live: readonly string[] } } }; threadId: string }) => r.test.runtime.state(r.threadId).live.length <= 1 };
  const options = (policy: typeof oneAtATime) => ({
    runtime: { policies: { 'one-at-a-time': policy } },
    open: { threadId: 't', policy: { kind: 'custom' as const, name: 'one-at-a-time' } },
    commands: threadCommands<object>(),
    ...oneLive,
    maxCommands: 15,
    parameters: { seed: SEED, numRuns: 12 },
  });

  it('holds for a correct custom policy (replay, live state and the invariant after every command)', async () => {
    await checkThreadModel(options(oneAtATime));
  });

  it('fails for the broken policy (mutant check)', async () => {
    await expect(checkThreadModel({ ...options(brokenOneAtATime), parameters: { seed: SEED, numRuns: 50 } })).rejects.toThrow(/invariant failed/);
  });
});

describe('machineCoverage', () => {
  it('reaches every transition of the fixture machine with its events', () => {
    const c = machineCoverage(doorMachine, { events: doorEvents });
    expect(c.transitions.map((t) => t.key).sort()).toEqual(['door.closed LOCK #0', 'door.closed OPEN #0', 'door.locked UNLOCK #0', 'door.open CLOSE #0']);
    expect(c.missing).toEqual([]);
  });

  it('reports the transition a broken guard never takes (mutant check), and those no event reaches', () => {
    expect(machineCoverage(brokenDoor, { events: doorEvents }).missing.map((t) => t.key)).toEqual(['door.closed LOCK #0', 'door.locked UNLOCK #0']); // locked is never entered
    expect(machineCoverage(doorMachine, { events: doorEvents.filter((e) => e.type !== 'UNLOCK') }).missing.map((t) => t.key)).toEqual(['door.locked UNLOCK #0']);
  });
});
