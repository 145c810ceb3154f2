/**
 * What src/history/fold/xstate-adapter.ts relies on in xstate's internals. These fail on an xstate
 * upgrade that changes them: then check the adapter against the new xstate and re-pin the range.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, assign, initialTransition, not, setup, transition, type AnyStateMachine } from 'xstate';
import type { Fact } from '../../src/facts/fact-types.ts';
import { applyFact, defaultMachines, initialThreadState, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { inertScope, initialSnapshot, instantiate, nextSnapshot, restoreSnapshot, templateFor } from '../../src/history/fold/xstate-adapter.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';
import { factHistoryArbitrary } from '../../src/testing/fact-histories.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const installed = (createRequire(import.meta.url)('xstate/package.json') as { version: string }).version;
const pinned = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.xstate;

/** Every own key of a machine snapshot (fields and methods) as the fold and the snapshot cache use it. */
const SNAPSHOT_KEYS = ['_nodes', 'can', 'children', 'context', 'error', 'getMeta', 'hasTag', 'historyValue', 'machine', 'matches', 'output', 'status', 'tags', 'toJSON', 'value'];

/**
 * The scope xstate's own public `transition()` hands to `machine.transition`. The spy never reads
 * the snapshot it is given, so the thread machine's initial one serves for every machine (the step
 * machine's context factory needs a step: `{ threadId }` would make it throw).
 */
function xstateInertScope(machine: AnyStateMachine): Record<string, unknown> {
  let captured: Record<string, unknown> | undefined;
  const spy = Object.create(machine) as AnyStateMachine;
  spy.transition = ((snap: unknown, _e: unknown, scope: Record<string, unknown>) => {
    captured = scope;
    return snap;
  }) as never;
  transition(spy, initialSnapshot(defaultMachines.thread, { threadId: 't' }) as never, { type: 'Probe' } as never);
  if (captured === undefined) throw new Error('xstate transition() did not call machine.transition');
  return captured;
}

/** Comparable form of a snapshot: its keys, status, value, history value (state ids), context, output, error. */
function shape(s: unknown): unknown {
  const o = s as Record<string, unknown>;
  const hist = Object.fromEntries(Object.entries((o.historyValue ?? {}) as Record<string, { id: string }[]>).map(([k, v]) => [k, v.map((n) => n.id)]));
  const nodes = (o._nodes as { id: string }[]).map((n) => n.id);
  return { keys: Object.keys(o).sort(), status: o.status, value: o.value, hist, context: o.context, output: o.output, error: o.error, tags: [...(o.tags as Set<string>)], nodes };
}

/** Actor of the fold state a fact moves, keyed as the fold keys it (T, I:<id>, K:<step>). */
function actors(state: ThreadState): Map<string, unknown> {
  const out = new Map<string, unknown>([['T', state.thread]]);
  for (const [id, s] of Object.entries(state.interactions)) out.set(`I:${id}`, s);
  for (const [k, s] of Object.entries(state.steps)) out.set(`K:${k}`, s);
  return out;
}

const machineOf = (key: string): AnyStateMachine =>
  key === 'T' ? defaultMachines.thread : key.startsWith('I:') ? defaultMachines.interaction : defaultMachines.step;

describe('xstate adapter', () => {
  it('runs on the xstate version package.json pins with a tilde range', () => {
    const m = /^~(\d+)\.(\d+)\.(\d+)$/.exec(pinned ?? '');
    expect(m, `package.json pins xstate as ${pinned}, expected ~major.minor.patch`).not.toBeNull();
    const [maj, min, pat] = installed.split('.').map(Number);
    expect([maj, min]).toEqual([Number(m![1]), Number(m![2])]);
    expect(pat).toBeGreaterThanOrEqual(Number(m![3]));
  });

  it('builds an inert scope with exactly the fields of xstate’s own', () => {
    for (const machine of [defaultMachines.thread, defaultMachines.interaction, defaultMachines.step]) {
      expect(Object.keys(inertScope(machine)).sort()).toEqual(Object.keys(xstateInertScope(machine)).sort());
    }
  });

  it('makes snapshots with the keys the fold and the snapshot cache rely on', () => {
    const s = initialSnapshot(defaultMachines.thread, { threadId: 't' });
    expect(Object.keys(s).sort()).toEqual(SNAPSHOT_KEYS);
    expect(s.tags).toBeInstanceOf(Set);
  });

  it('returns the very same snapshot when no transition is enabled', () => {
    const s = initialSnapshot(defaultMachines.thread, { threadId: 't' });
    expect(nextSnapshot(defaultMachines.thread, s, { type: 'ThreadClosed', data: { threadId: 't' } })).toBe(s);
    const [viaXstate] = transition(defaultMachines.thread, s, { type: 'ThreadClosed', data: { threadId: 't' } } as never);
    expect(viaXstate).toBe(s);
  });

  it('selects transitions as xstate does: guard order, inline and named guards, and the kinds it leaves to xstate (wildcards, guard params, built-in guards, unknown names, throwing guards)', () => {
    type E = { type: string; n: number };
    const m = setup({
      types: { context: {} as { n: number; log: string[] }, events: {} as E },
      guards: {
        big: ({ event }) => event.n > 10,
        over: ({ event }, params: { min: number }) => event.n > params.min,
        boom: () => {
          throw new Error('boom');
        },
      },
    }).createMachine({
      initial: 'a',
      context: { n: 0, log: [] },
      states: {
        a: {
          on: {
            pick: [
              { guard: 'big', actions: assign(({ context }) => ({ log: [...context.log, 'big'] })) },
              { guard: ({ event }) => event.n > 5, actions: assign(({ context }) => ({ log: [...context.log, 'inline'] })) },
              { actions: assign(({ context }) => ({ log: [...context.log, 'default'] })) },
            ],
            params: { guard: { type: 'over', params: { min: 3 } }, actions: assign({ n: ({ event }) => event.n }) },
            builtin: { guard: and(['big', not('big')]), actions: assign({ n: 1 }) },
            thrown: { guard: 'boom', actions: assign({ n: 2 }) },
            go: { target: 'b', guard: ({ event }) => event.n !== 0 },
          },
        },
        b: { on: { '*': { actions: assign({ n: ({ event }) => event.n * 2 }) }, back: { target: 'a' } } },
      },
    });
    const events: E[] = [0, 4, 7, 12].flatMap((n) => ['pick', 'params', 'builtin', 'go', 'back', 'other'].map((type) => ({ type, n })));
    const logged = new Set<string>();
    // stride 7: each type in turn; stride 5: after `go`, builtin, params, pick and other reach the wildcard
    for (const stride of [7, 5]) {
      let s = initialSnapshot(m, undefined);
      for (let i = 0; i < 200; i++) {
        const e = events[(i * stride) % events.length]!;
        const next = nextSnapshot(m, s, e);
        const [viaXstate] = transition(m, s as never, e as never);
        expect(next === s).toBe(viaXstate === s);
        expect({ value: next.value, context: next.context, status: next.status }).toEqual({ value: viaXstate.value, context: viaXstate.context, status: viaXstate.status });
        s = next;
      }
      for (const l of s.context.log) logged.add(l);
    }
    expect([...logged].sort()).toEqual(['big', 'default', 'inline']);
    // a guard that throws: the quick path declines, and xstate's path reports it as xstate's transition() does
    const first = initialSnapshot(m, undefined);
    expect(() => transition(m, first as never, { type: 'thrown', n: 0 } as never)).toThrow(/Unable to evaluate guard 'boom'/);
    expect(() => nextSnapshot(m, first, { type: 'thrown', n: 0 })).toThrow(/Unable to evaluate guard 'boom'/);
  });

  it('steps every actor of a committed history to the snapshots xstate’s public pure API gives', () => {
    const h = loadHistoryFixture('basic-thread');
    let state = initialThreadState(h.threadId);
    expect(shape(state.thread)).toEqual(shape(initialTransition(defaultMachines.thread, { threadId: h.threadId })[0]));
    let compared = 0;
    h.facts.forEach((fact: Fact, i) => {
      const before = actors(state);
      state = applyFact(state, fact, BigInt(i));
      for (const [key, now] of actors(state)) {
        const prev = before.get(key);
        if (prev === undefined || prev === now) continue;
        const [expected] = transition(machineOf(key), prev as never, fact as never);
        expect(shape(now), `${key} after #${i} ${fact.type}`).toEqual(shape(expected));
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(h.facts.length);
  });

  it(`property (seed ${SEED}): on random histories, every thread and interaction actor the fold moves equals what xstate's public pure API gives`, () => {
    // Coverage of the quick path's cases: the interaction machine's moves between `live.*` states,
    // those made while a history value is recorded (after an interrupt and a resume), and
    // transitions that exit `live` (interrupts, ends), which must stay on xstate's path.
    const seen = { nestedMoves: 0, nestedMovesWithHistory: 0, leftLive: 0 };
    fc.assert(
      fc.property(factHistoryArbitrary({ minLength: 20, maxLength: 60 }), ({ facts }) => {
        const states = new Map<string, ThreadState>();
        const revisions = new Map<string, number>();
        for (const f of facts) {
          const threadId = f.streamId.replace(/^thread-/, '');
          let state = states.get(threadId) ?? initialThreadState(threadId);
          const revision = revisions.get(threadId) ?? 0;
          const fact = { type: f.type, data: f.data } as Fact;
          const before = actors(state);
          try {
            state = applyFact(state, fact, BigInt(revision));
          } catch {
            continue; // a fact the generator's simulation allows and the machines refuse: not this test's concern
          }
          states.set(threadId, state);
          revisions.set(threadId, revision + 1);
          for (const [key, now] of actors(state)) {
            const prev = before.get(key) as { value: unknown; historyValue: object } | undefined;
            // Step actors take the fact with the fold's readiness added (route-fact.ts `withReadiness`) and
            // interactions a StepCancelled with the step's approval added (`withApproval`): not the fact itself.
            if (prev === undefined || prev === now || key.startsWith('K:') || (key.startsWith('I:') && fact.type === 'StepCancelled')) continue;
            const [expected] = transition(machineOf(key), prev as never, fact as never);
            expect(shape(now), `${key} after ${fact.type}`).toEqual(shape(expected));
            const from = prev.value as Record<string, unknown> | string;
            const to = (now as { value: unknown }).value as Record<string, unknown> | string;
            if (typeof from === 'object' && 'live' in from) {
              if (typeof to === 'object' && 'live' in to && to.live !== from.live) {
                seen.nestedMoves++;
                if (Object.keys(prev.historyValue).length > 0) seen.nestedMovesWithHistory++;
              } else if (typeof to !== 'object' || !('live' in to)) seen.leftLive++;
            }
          }
        }
      }),
      { numRuns: 40, seed: SEED },
    );
    expect(seen.nestedMoves).toBeGreaterThan(0);
    expect(seen.nestedMovesWithHistory).toBeGreaterThan(0);
    expect(seen.leftLive).toBeGreaterThan(0);
  });

  it('builds every initial snapshot of a committed history as xstate’s public pure API does (the template path after the first)', () => {
    const h = loadHistoryFixture('basic-thread');
    const inputs: [AnyStateMachine, unknown][] = [
      [defaultMachines.thread, { threadId: h.threadId }],
      [defaultMachines.thread, { threadId: 'other' }],
    ];
    for (const fact of h.facts) {
      if (fact.type === 'InteractionStarted') inputs.push([defaultMachines.interaction, fact.data], [defaultMachines.interaction, fact.data]);
      if (fact.type === 'PlanAccepted') {
        const { interactionId, planId } = fact.data;
        for (const step of fact.data.plan.steps) inputs.push([defaultMachines.step, { interactionId, planId, step }], [defaultMachines.step, { interactionId, planId, step: { ...step, retry: { maxAttempts: 3 } } }]);
      }
    }
    expect(inputs.filter(([m]) => m === defaultMachines.step).length).toBeGreaterThan(2);
    for (const [machine, input] of inputs) {
      const ours = initialSnapshot(machine, input);
      expect(Object.keys(ours).sort()).toEqual(SNAPSHOT_KEYS);
      expect(shape(ours)).toEqual(shape(initialTransition(machine, input as never)[0]));
      expect(ours.context).not.toBe(initialSnapshot(machine, input).context);
    }
  });

  it('restores a persisted snapshot, and a template instance equals the restored snapshot', () => {
    const m = defaultMachines.thread;
    const s = initialSnapshot(m, { threadId: 't' });
    const p = m.getPersistedSnapshot(s) as unknown as { status: string; value: unknown; historyValue?: unknown; context: unknown };
    const restored = restoreSnapshot(m, p);
    expect(shape(restored)).toEqual(shape(s));
    const instance = instantiate(templateFor(m, p), p.context, undefined, undefined) as Record<string, unknown>;
    expect(shape(instance)).toEqual(shape(restored));
    // same own keys in the same order (what a spread or JSON of a snapshot sees)
    expect(Object.keys(instance)).toEqual(Object.keys(restored));
  });
});
