import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fact } from '../../src/facts/fact-types.ts';
import { createInMemorySnapshotCache, serializeThreadState } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { decodeThreadState, encodeThreadState, isSnapshotEntryCorruptError, isSnapshotMachineMismatchError, SNAPSHOT_FORMAT } from '../../src/history/snapshot-cache/snapshot-cache-format.ts';
import { applyFact, applyFacts, defaultMachines, hashThreadState, initialThreadState, type MachineSet, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { factHistoryArbitrary } from '../../src/testing/fact-histories.ts';
import { OrderedRecord } from '../../src/core/ordered-record.ts';
import { PlanSpec } from '../../src/plan/plan-schema.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';
import { legalStreams } from '../support/legal-streams.ts';

const history = loadHistoryFixture('basic-thread');
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const persisted = (s: ThreadState) => JSON.stringify(serializeThreadState(s));

/**
 * Every field of every actor snapshot, comparable with toEqual: context as data (toEqual, like JSON,
 * does not tell an `undefined` property from a missing one; an OrderedRecord, which a restored
 * context holds as its plain record, as that record), `_nodes` as a set (xstate's own
 * restoreSnapshot lists the root first, a transition the leaf first).
 */
const asData = (context: unknown): unknown =>
  context === null || typeof context !== 'object'
    ? context
    : Object.fromEntries(Object.entries(context).map(([k, v]) => [k, v instanceof OrderedRecord ? { ...v.toRecord() } : v]));
const actors = (s: ThreadState) =>
  [['T', s.thread] as const, ...Object.entries(s.interactions), ...Object.entries(s.steps)].map(([key, x]) => {
    const o = x as unknown as Record<string, unknown>;
    const { _nodes, tags, context, ...rest } = o;
    return { key, ...rest, context: asData(context), tags: [...(tags as Set<string>)].sort(), nodes: (_nodes as Array<{ id: string }>).map((n) => n.id).sort() };
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

/** The plan step objects of `planId` in interaction `interactionId` of `s` (reads the interaction). */
const planStepsOf = (s: ThreadState, interactionId: string, planId: string): unknown[] | undefined =>
  (s.interactions[interactionId]?.context as unknown as { plans: Array<{ planId: string; plan: { steps: unknown[] } }> } | undefined)?.plans.find((p) => p.planId === planId)?.plan.steps;

/**
 * `facts` with every interaction, plan and step id holding `/` and non-ASCII text (`i3` → `i/3é`,
 * `p1` → `p/1`, `s2` → `s/2🌍`, consistently, in every string equal to one) and input texts in
 * UTF-8 of several bytes: step keys that split several ways at `/`, segment lengths in bytes.
 */
function oddIds(facts: readonly Fact[]): Fact[] {
  const map = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(/^i(\d+)$/, 'i/$1é').replace(/^p(\d+)$/, 'p/$1').replace(/^s(\d+)$/, 's/$1🌍').replace(/^please /, 'plé🌍se ');
    if (Array.isArray(v)) return v.map(map);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, map(x)]));
    return v;
  };
  return facts.map((f) => ({ type: f.type, data: map(f.data) }) as Fact);
}

/** Where segment `n` (interactions first, then step runs) of an entry text of ASCII lies: [start, end). */
function segmentSpan(text: string, n: number): [number, number] {
  const headEnd = text.indexOf('\n');
  const bodyEnd = text.indexOf('\n', headEnd + 1);
  const body = JSON.parse(text.slice(headEnd + 1, bodyEnd)) as { interactions: Array<[string, number, number]>; steps: unknown[][] };
  const lengths = [...body.interactions.map((i) => i[1]), ...body.steps.map((r) => r[2] as number)];
  let start = bodyEnd + 1;
  for (let i = 0; i < n; i++) start += lengths[i]!;
  return [start, start + lengths[n]!];
}

/** `text` with the first digit after `from` changed (still JSON, another value). */
function changeDigit(text: string, from: number): string {
  const at = text.slice(from).search(/[0-9]/) + from;
  return text.slice(0, at) + String((Number(text[at]) + 1) % 10) + text.slice(at + 1);
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
    // plan steps' and observations' keys: once per distinct key list (in the body), not once per object
    const count = (t: string, key: string) => t.split(key).length - 1;
    const body = text.slice(text.indexOf('\n') + 1, text.indexOf('\n', text.indexOf('\n') + 1));
    for (const key of ['"dependsOn"', '"stepId"', '"action"']) {
      expect(count(text, key), key).toBeGreaterThan(0);
      expect(count(text, key), key).toBe(count(body, key)); // none in the segments
    }
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

  it(`property (seed ${SEED}): a decoded entry folds on exactly as the state it encodes, its interactions and steps made only when read`, () => {
    let cuts = 0;
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 3 }), (cutSeed, reads, interactionReads) => {
        const cut = cutSeed % (history.facts.length + 1);
        const at = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, cut));
        const atHash = hashThreadState(at);
        const rest = history.facts.slice(cut);
        const restored = decodeThreadState(encodeThreadState(at))!;
        const ids = Object.keys(at.interactions); // keys of the fold's record: the decoded one is not listed (that would make every interaction)
        for (const r of interactionReads) if (ids.length > 0) expect(restored.interactions[ids[r % ids.length]!]).toBeDefined();
        const keys = Object.keys(at.steps);
        for (const r of reads) {
          if (keys.length === 0) break;
          const step = restored.steps[keys[r % keys.length]!]!.context; // some steps read before the fold, maybe before their interaction
          expect(planStepsOf(restored, step.interactionId, step.planId)).toContain(step.step); // the plan's own object
        }
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

  it(`property (seed ${SEED}): on random histories, decode at a random cut, read some interactions and steps, fold the rest = the fold from the first fact`, () => {
    let cuts = 0;
    let oddKeys = 0;
    fc.assert(
      fc.property(
        factHistoryArbitrary({ minLength: 20, maxLength: 60 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        ({ facts }, cutSeed, interactionReads, stepReads, odd) => {
          for (const { threadId, facts: legal } of legalStreams(facts)) {
            const stream = odd ? oddIds(legal) : legal;
            const cut = cutSeed % (stream.length + 1);
            const at = applyFacts(initialThreadState(threadId), stream.slice(0, cut));
            const atPersisted = persisted(at);
            const atHash = hashThreadState(at);
            const text = encodeThreadState(at);
            const restored = decodeThreadState(cutSeed % 2 === 0 ? text : Buffer.from(text, 'utf8'))!; // the text or its bytes, as the SQLite cache reads it
            const ids = Object.keys(at.interactions);
            const keys = Object.keys(at.steps);
            oddKeys += keys.filter((k) => k.includes('🌍')).length;
            for (const r of stepReads) {
              if (keys.length === 0) break;
              const ctx = restored.steps[keys[r % keys.length]!]!.context;
              const specs = planStepsOf(restored, ctx.interactionId, ctx.planId);
              if (specs !== undefined) expect(specs).toContain(ctx.step);
            }
            for (const r of interactionReads) if (ids.length > 0) expect(restored.interactions[ids[r % ids.length]!]).toBeDefined();
            const folded = applyFacts(restored, stream.slice(cut));
            const direct = applyFacts(initialThreadState(threadId), stream);
            expect(hashThreadState(folded)).toBe(hashThreadState(direct));
            expect(persisted(folded)).toBe(persisted(direct));
            expect(Object.keys(folded.interactions)).toEqual(Object.keys(direct.interactions));
            expect(Object.keys(folded.steps)).toEqual(Object.keys(direct.steps));
            for (const [key, step] of Object.entries(folded.steps)) {
              const specs = planStepsOf(folded, step.context.interactionId, step.context.planId);
              if (specs !== undefined) expect(specs, key).toContain(step.context.step); // shared with the plan, as after a fold
            }
            expect(hashThreadState(restored)).toBe(atHash); // folding on did not change the decoded state
            expect(persisted(restored)).toBe(atPersisted);
            cuts++;
          }
        },
      ),
      { numRuns: 30, seed: SEED },
    );
    expect(cuts).toBeGreaterThan(30);
    expect(oddKeys).toBeGreaterThan(0); // the odd ids reached step keys
  });

  it('a fold from an entry makes only the interactions its facts touch (a corrupt one untouched folds on; read, it throws SNAPSHOT_ENTRY_CORRUPT)', () => {
    const firstOfSecond = history.facts.findIndex((f) => f.type === 'InteractionStarted' && f.data.interactionId === 'int-2');
    expect(firstOfSecond).toBeGreaterThan(0);
    const at = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, firstOfSecond));
    expect(Object.keys(at.interactions)).toEqual(['int-1']);
    const later = applyFacts(at, history.facts.slice(firstOfSecond, firstOfSecond + 2)); // int-2 started and planning
    const text = encodeThreadState(later);
    const [start] = segmentSpan(text, 0); // int-1's text: a digit changed (still JSON)
    const bad = changeDigit(text, start);
    expect(JSON.parse(bad.slice(start, segmentSpan(bad, 0)[1]))).not.toEqual(JSON.parse(text.slice(start, segmentSpan(text, 0)[1])));
    const restored = decodeThreadState(bad)!;
    expect(restored).toBeDefined();
    const rest = history.facts.slice(firstOfSecond + 2).filter((f) => (f.data as { interactionId?: string }).interactionId === 'int-2');
    const folded = applyFacts(restored, rest.slice(0, 3)); // facts of int-2 only: int-1 is never made
    expect(folded.interactions['int-2']).toBeDefined();
    let err: unknown;
    try {
      void folded.interactions['int-1'];
    } catch (e) {
      err = e;
    }
    expect(isSnapshotEntryCorruptError(err)).toBe(true);
    expect(String(err)).toContain(`thread '${history.threadId}' at revision ${later.revision}`);
    expect(String(err)).toContain("interaction 'int-1'");
    expect(() => hashThreadState(restored)).toThrow(/SNAPSHOT|corrupt/); // never a wrong state
  });

  it('a step of an interaction the fold did not touch holds that interaction\'s plan step object, read from the decoded state or from the folded one', () => {
    const firstOfSecond = history.facts.findIndex((f) => f.type === 'InteractionStarted' && f.data.interactionId === 'int-2');
    const at = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, firstOfSecond));
    const restored = decodeThreadState(encodeThreadState(at))!;
    const folded = applyFacts(restored, history.facts.slice(firstOfSecond)); // writes int-2 only: the records' leaves holding int-1, not yet made, are copied
    const [key, step] = Object.entries(at.steps)[0]!;
    expect(step.context.interactionId).toBe('int-1');
    const fromFolded = folded.steps[key]!.context.step; // made through the decoded state's interaction record
    expect(planStepsOf(folded, 'int-1', step.context.planId)).toContain(fromFolded); // int-1 made through the folded record: the same object
    expect(folded.interactions['int-1']).toBe(restored.interactions['int-1']);
    expect(persisted(folded)).toBe(persisted(applyFacts(initialThreadState(history.threadId), history.facts)));
  });

  it('a context key holding undefined keeps its place: a fold from the entry writes it where the fold from the first fact does', () => {
    // at PlannerResponded the interaction's `error` is set to undefined (before `currentPlanId` is added);
    // InteractionFailed sets it: the persisted context lists `error` before `currentPlanId`
    const plan = PlanSpec.parse({ steps: [{ id: 's1', action: 'noop', input: {} }] });
    const i = 'i1';
    const ref = { interactionId: i, planId: 'p1', stepId: 's1' };
    const facts = [
      { type: 'ThreadOpened', data: { threadId: 't', policy: { kind: 'enqueue' }, maxIterations: 8 } },
      { type: 'InputReceived', data: { inputId: 'in1', text: 'go' } },
      { type: 'PolicyApplied', data: { inputId: 'in1', decision: 'start', policy: 'enqueue', reason: 'idle', interactionId: i } },
      { type: 'InteractionStarted', data: { interactionId: i, inputId: 'in1', text: 'go', maxIterations: 8 } },
      { type: 'PlanningRequested', data: { interactionId: i, iteration: 1 } },
      { type: 'PlannerResponded', data: { interactionId: i, iteration: 1, output: { kind: 'mini_plan', plan }, repairs: 0 } },
      { type: 'PlanAccepted', data: { interactionId: i, planId: 'p1', iteration: 1, plan } },
      { type: 'StepStarted', data: { ...ref, attempt: 1, idempotencyKey: 'k1', reservedUsd: 0, startedAtMs: 1 } },
      { type: 'StepCompleted', data: { ...ref, attempt: 1, output: { ok: true }, costUsd: 0, durationMs: 1 } },
      { type: 'InteractionFailed', data: { interactionId: i, error: { message: 'gave up', code: 'X' } } },
    ] as Fact[];
    const direct = persisted(applyFacts(initialThreadState('t'), facts));
    expect(direct.indexOf('"error":{"message":"gave up"')).toBeLessThan(direct.indexOf('"currentPlanId"'));
    for (let cut = 0; cut <= facts.length; cut++) {
      const at = applyFacts(initialThreadState('t'), facts.slice(0, cut));
      expect(persisted(applyFacts(decodeThreadState(encodeThreadState(at))!, facts.slice(cut))), `cut ${cut}`).toBe(direct);
    }
  });

  it('a corrupt run of step rows throws SNAPSHOT_ENTRY_CORRUPT when one of its steps is read; the other runs read', () => {
    const state = applyFacts(initialThreadState(history.threadId), history.facts);
    const text = encodeThreadState(state);
    const interactions = Object.keys(state.interactions).length;
    const [start] = segmentSpan(text, interactions); // the first run of steps
    const restored = decodeThreadState(changeDigit(text, start))!;
    const firstRun = Object.keys(state.steps).filter((k) => k.startsWith(`${Object.values(state.steps)[0]!.context.interactionId}/${Object.values(state.steps)[0]!.context.planId}/`));
    const other = Object.keys(state.steps).find((k) => !firstRun.includes(k));
    if (other !== undefined) expect(restored.steps[other]).toBeDefined();
    expect(() => restored.steps[firstRun[0]!]).toThrow(/at revision \d+ is corrupt: the steps of interaction/);
  });

  it('a truncated text, a changed body line or a format 3 entry is a cache miss (undefined)', () => {
    const state = applyFacts(initialThreadState(history.threadId), history.facts);
    const text = encodeThreadState(state);
    const headEnd = text.indexOf('\n');
    const bodyEnd = text.indexOf('\n', headEnd + 1);
    for (const at of [1, 20, headEnd, headEnd + 1, Math.floor((headEnd + bodyEnd) / 2), bodyEnd, bodyEnd + 1, Math.floor((bodyEnd + text.length) / 2), text.length - 1]) {
      expect(decodeThreadState(text.slice(0, at)), `cut at ${at}`).toBeUndefined();
    }
    expect(decodeThreadState(`${text} `)).toBeUndefined(); // longer than its parts
    expect(decodeThreadState(changeDigit(text, headEnd + 1))).toBeUndefined(); // the body does not match its checksum
    expect(decodeThreadState(text.replace('"check":', '"check":1'))).toBeUndefined();
    const format3 = `{"format":3,"actorRefs":false,"body":${JSON.stringify({ threadId: state.threadId, revision: '31', machineHash: 'x', states: {}, shapes: [], thread: [0, {}], interactions: [], steps: [] })}}`;
    expect(decodeThreadState(format3)).toBeUndefined();
    expect(decodeThreadState(text.replace(`{"format":${SNAPSHOT_FORMAT},`, '{"format":4,'))).toBeUndefined(); // format 4: lengths in UTF-16 units, objects with their keys
    expect(decodeThreadState(Buffer.from(text.slice(0, bodyEnd), 'utf8'))).toBeUndefined();
    expect(decodeThreadState('')).toBeUndefined();
    expect(decodeThreadState('not json')).toBeUndefined();
  });

  it('a changed byte of a character of several bytes in a segment throws SNAPSHOT_ENTRY_CORRUPT on first read', () => {
    const facts = history.facts.map((f) => (f.type === 'InteractionStarted' ? ({ ...f, data: { ...f.data, text: `é ${f.data.text}` } } as Fact) : f));
    const state = applyFacts(initialThreadState(history.threadId), facts);
    const bytes = Buffer.from(encodeThreadState(state), 'utf8');
    const bodyEnd = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1);
    const at = bytes.indexOf(Buffer.from('é', 'utf8'), bodyEnd); // in the first interaction's segment
    expect(at).toBeGreaterThan(bodyEnd);
    expect(decodeThreadState(bytes)!.interactions[Object.keys(state.interactions)[0]!]).toBeDefined();
    bytes[at + 1] = bytes[at + 1]! + 1; // é → ê: still JSON, another text
    const restored = decodeThreadState(bytes)!;
    expect(() => restored.interactions[Object.keys(state.interactions)[0]!]).toThrow(/is corrupt: interaction '.*' does not match its checksum/);
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
