import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fact } from '../../src/facts/fact-types.ts';
import { createInMemorySnapshotCache, serializeThreadState } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { decodeThreadState, encodeThreadState, isSnapshotMachineMismatchError, SNAPSHOT_FORMAT } from '../../src/history/snapshot-cache/snapshot-cache-format.ts';
import { applyFact, applyFacts, defaultMachines, hashThreadState, initialThreadState, type MachineSet, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { factHistoryArbitrary } from '../../src/testing/fact-histories.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';

const history = loadHistoryFixture('basic-thread');
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const persisted = (s: ThreadState) => JSON.stringify(serializeThreadState(s));

/**
 * Every field of every actor snapshot, comparable with toEqual: context as data (toEqual, like JSON,
 * does not tell an `undefined` property from a missing one), `_nodes` as a set (xstate's own
 * restoreSnapshot lists the root first, a transition the leaf first).
 */
const actors = (s: ThreadState) =>
  [['T', s.thread] as const, ...Object.entries(s.interactions), ...Object.entries(s.steps)].map(([key, x]) => {
    const o = x as unknown as Record<string, unknown>;
    const { _nodes, tags, ...rest } = o;
    return { key, ...rest, tags: [...(tags as Set<string>)].sort(), nodes: (_nodes as Array<{ id: string }>).map((n) => n.id).sort() };
  });

/** decode(encode(state)) is the fold: same persisted JSON (key order included), hash, snapshot fields, and folds on identically. */
function expectRoundTrip(state: ThreadState, rest: readonly Fact[]): void {
  const text = encodeThreadState(state);
  const restored = decodeThreadState(text);
  expect(restored).toBeDefined();
  expect(restored!.revision).toBe(state.revision);
  expect(persisted(restored!)).toBe(persisted(state));
  expect(hashThreadState(restored!)).toBe(hashThreadState(state));
  expect(actors(restored!)).toEqual(actors(state));
  expect(Object.keys(restored!.steps)).toEqual(Object.keys(state.steps));
  expect(Object.keys(restored!.interactions)).toEqual(Object.keys(state.interactions));
  if (rest.length > 0) expect(persisted(applyFacts(restored!, rest))).toBe(persisted(applyFacts(state, rest)));
}

describe('snapshot cache entry format', () => {
  it(`format ${SNAPSHOT_FORMAT}: decode(encode(s)) equals the fold at every offset of the fixture`, () => {
    let state = initialThreadState(history.threadId);
    expectRoundTrip(state, history.facts);
    history.facts.forEach((fact, i) => {
      state = applyFact(state, fact, BigInt(i));
      expectRoundTrip(state, history.facts.slice(i + 1));
    });
  });

  it('stores each step spec as an index into its plan (restored as the plan\'s own object), no xstate boilerplate per actor', () => {
    const state = applyFacts(initialThreadState(history.threadId), history.facts);
    const text = encodeThreadState(state);
    expect(text.length).toBeLessThan(persisted(state).length);
    expect(text).not.toContain('"children"');
    expect(text.split('"maxBackoffMs"').length - 1).toBe(1); // the fetch step's spec, once (in its plan)
    const restored = decodeThreadState(text)!;
    for (const step of Object.values(restored.steps)) {
      const ctx = step.context as unknown as { interactionId: string; planId: string; step: unknown };
      const plan = (restored.interactions[ctx.interactionId]!.context as unknown as { plans: Array<{ planId: string; plan: { steps: unknown[] } }> }).plans.find((p) => p.planId === ctx.planId)!;
      expect(plan.plan.steps).toContain(ctx.step);
    }
  });

  it('equals the fold on random histories (every thread stream, at every offset)', () => {
    let stepsSeen = 0;
    fc.assert(
      fc.property(factHistoryArbitrary({ maxLength: 40 }), ({ facts }) => {
        const streams = new Map<string, Fact[]>();
        for (const f of facts) {
          if (!streams.has(f.streamId)) streams.set(f.streamId, []);
          streams.get(f.streamId)!.push({ type: f.type, data: f.data } as Fact);
        }
        for (const [streamId, stream] of streams) {
          let state = initialThreadState(streamId.replace(/^thread-/, ''));
          for (let i = 0; i < stream.length; i++) {
            try {
              state = applyFact(state, stream[i]!, BigInt(i));
            } catch {
              break; // the generator's history is plausible, not always legal for the machines: stop at the first refusal
            }
            expectRoundTrip(state, []);
            stepsSeen += Object.keys(state.steps).length;
          }
        }
      }),
      { numRuns: 25 },
    );
    expect(stepsSeen).toBeGreaterThan(0); // the histories reach plans, not only their first facts
  });

  it(`property (seed ${SEED}): a decoded entry folds on exactly as the state it encodes, its steps made only when read`, () => {
    let cuts = 0;
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { maxLength: 6 }), (cutSeed, reads) => {
        const cut = cutSeed % (history.facts.length + 1);
        const at = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, cut));
        const atHash = hashThreadState(at);
        const rest = history.facts.slice(cut);
        const restored = decodeThreadState(encodeThreadState(at))!;
        const keys = Object.keys(restored.steps);
        for (const r of reads) if (keys.length > 0) expect(restored.steps[keys[r % keys.length]!]).toBeDefined(); // some steps read before the fold
        const folded = applyFacts(restored, rest);
        const direct = applyFacts(initialThreadState(history.threadId), history.facts);
        expect(hashThreadState(folded)).toBe(hashThreadState(direct));
        expect(persisted(folded)).toBe(persisted(direct));
        expect(hashThreadState(restored)).toBe(atHash); // folding on did not change the decoded state
        expect(persisted(restored)).toBe(persisted(at));
        cuts++;
      }),
      { numRuns: 40, seed: SEED },
    );
    expect(cuts).toBe(40);
  });

  it('keeps steps that do not fit the compact rows (odd key, actor-reference marker text) verbatim and equal', () => {
    const state = applyFacts(initialThreadState(history.threadId), history.facts);
    const [k, step] = Object.entries(state.steps)[1]!;
    const odd: ThreadState = { ...state, steps: { ...state.steps, 'not/a/step/key': step, [k]: { ...step, context: { ...step.context, output: { note: 'xstate$$type' } } } as typeof step } };
    expect(encodeThreadState(odd)).toMatch(new RegExp(`^\\{"format":${SNAPSHOT_FORMAT},"actorRefs":true,`));
    expect(actors(decodeThreadState(encodeThreadState(odd))!)).toEqual(actors(odd));
    expect(persisted(decodeThreadState(encodeThreadState(odd))!)).toBe(persisted(odd));
  });

  it('an entry of an older format is a miss (undefined), one written by other machine code is refused with SNAPSHOT_MACHINE_MISMATCH', () => {
    const state = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, 10));
    expect(decodeThreadState(JSON.stringify(serializeThreadState(state)))).toBeUndefined(); // format 1 had no `format`
    expect(decodeThreadState(encodeThreadState(state).replace(`"format":${SNAPSHOT_FORMAT}`, '"format":99'))).toBeUndefined();
    expect(decodeThreadState('null')).toBeUndefined();
    const changed: MachineSet = { ...defaultMachines, thread: defaultMachines.thread.provide({ guards: { thisThread: () => true } }) };
    let err: unknown;
    try {
      decodeThreadState(encodeThreadState(state), { machines: changed });
    } catch (e) {
      err = e;
    }
    expect(isSnapshotMachineMismatchError(err)).toBe(true);
    expect(String(err)).toMatch(new RegExp(`thread '${history.threadId}' at revision 9 was written by machines`));
  });

  it('the in-memory cache round-trips through the format', async () => {
    const cache = createInMemorySnapshotCache();
    const state = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, 20));
    await cache.save(state);
    expect(actors((await cache.load(history.threadId))!)).toEqual(actors(state));
  });
});
