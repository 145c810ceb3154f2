/**
 * The version-2 state hash accumulator carried by snapshot cache entries (`hashAccV2`,
 * snapshot-cache-format.ts): a hash recorded after loading from an entry equals the one a fold from
 * the first fact records; the first hash after the load digests only the actors changed (counted
 * through `actorDigestV2`, wrapped below); a changed digit of the accumulator makes the entry a
 * miss; entries without it load and hash as before.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Fact } from '../../src/facts/fact-types.ts';
import type * as StateDigestV2 from '../../src/history/fold/state-digest-v2.ts';
import { knownAccumulatorV2 } from '../../src/history/fold/state-hash.ts';
import { applyFacts, foldSession, hashThreadState, initialThreadState, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { decodeThreadState, encodeThreadState } from '../../src/history/snapshot-cache/snapshot-cache-format.ts';
import { checksum } from '../../src/history/snapshot-cache/snapshot-cache-layout.ts';
import { createInMemorySnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { factHistoryArbitrary } from '../../src/testing/fact-histories.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';
import { legalStreams } from '../support/legal-streams.ts';
import { longThreadFacts } from '../support/long-thread.ts';

const digests = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../src/history/fold/state-digest-v2.ts', async (importOriginal) => {
  const mod = await importOriginal<typeof StateDigestV2>();
  return {
    ...mod,
    actorDigestV2: (...args: Parameters<typeof mod.actorDigestV2>) => {
      digests.calls++;
      return mod.actorDigestV2(...args);
    },
  };
});

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const history = loadHistoryFixture('basic-thread');

/** `facts` folded from the first one with a hash after the last: a state whose accumulator is known. */
function hashedState(threadId: string, facts: readonly Fact[]): ThreadState {
  const session = foldSession(initialThreadState(threadId), { hashing: true });
  for (const f of facts) session.apply(f);
  session.hash();
  return session.state();
}

const actorCount = (s: ThreadState): number => 1 + Object.keys(s.interactions).length + Object.keys(s.steps).length;

/** The body line of an entry text, its start and end. */
function bodyOf(text: string): { start: number; end: number; body: string } {
  const start = text.indexOf('\n') + 1;
  const end = text.indexOf('\n', start);
  return { start, end, body: text.slice(start, end) };
}

/** `text` with its body replaced by `body` and the head's checksum made to match (a well-formed entry). */
function withBody(text: string, body: string): string {
  const { start, end } = bodyOf(text);
  const head = text.slice(0, start - 1).replace(/"check":\d+/, `"check":${checksum(Buffer.from(body, 'utf8'))}`);
  return `${head}\n${body}${text.slice(end)}`;
}

describe('snapshot cache entries carry the state hash accumulator', () => {
  it(`property (seed ${SEED}): hashes recorded after loading from an entry equal those of the fold from the first fact`, () => {
    let withAcc = 0;
    let withoutAcc = 0;
    let tailHashes = 0;
    let batched = 0;
    fc.assert(
      fc.property(
        factHistoryArbitrary({ minLength: 20, maxLength: 60 }),
        fc.nat(),
        fc.boolean(),
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.nat(),
        fc.integer({ min: 1, max: 7 }),
        ({ facts }, cutSeed, hashAtCut, hashPoints, batchSeed, batchSize) => {
          for (const { threadId, facts: stream } of legalStreams(facts)) {
            const cut = cutSeed % (stream.length + 1);
            // the saved state: folded as a runtime does, hashed at some facts, maybe at its last
            const before = foldSession(initialThreadState(threadId), { hashing: true });
            stream.slice(0, cut).forEach((f, i) => {
              before.apply(f);
              if (hashPoints[i] === true) before.hash();
            });
            if (hashAtCut) before.hash();
            const saved = before.state();
            const text = encodeThreadState(saved);
            const hasAcc = text.includes('"hashAccV2":"');
            expect(hasAcc).toBe(knownAccumulatorV2(saved) !== undefined);
            if (hashAtCut) expect(hasAcc).toBe(true);
            if (hasAcc) withAcc++;
            else withoutAcc++;
            // the load: decode, fold some facts in batches (as rehydration does), then append and hash (as a runtime does)
            let state = decodeThreadState(cutSeed % 2 === 0 ? text : Buffer.from(text, 'utf8'))!;
            const rest = stream.slice(cut);
            const folded = rest.length === 0 ? 0 : batchSeed % (rest.length + 1);
            for (let i = 0; i < folded; i += batchSize) state = applyFacts(state, rest.slice(i, Math.min(folded, i + batchSize)));
            if (folded > batchSize) batched++;
            const after = foldSession(state, { hashing: true });
            // the fold from the first fact, hashing at the same facts
            const direct = foldSession(initialThreadState(threadId), { hashing: true });
            stream.slice(0, cut + folded).forEach((f) => direct.apply(f));
            rest.slice(folded).forEach((f, i) => {
              after.apply(f);
              direct.apply(f);
              if (hashPoints[(i + batchSeed) % Math.max(1, hashPoints.length)] !== false || i === rest.length - folded - 1) {
                expect(after.hash()).toBe(direct.hash());
                tailHashes++;
              }
            });
            expect(hashThreadState(after.state())).toBe(hashThreadState(applyFacts(initialThreadState(threadId), stream)));
          }
        },
      ),
      { numRuns: 40, seed: SEED },
    );
    // the generator reaches entries with and without the accumulator, hashes after the load, and rehydration in several batches
    expect(withAcc).toBeGreaterThan(10);
    expect(withoutAcc).toBeGreaterThan(10);
    expect(tailHashes).toBeGreaterThan(100);
    expect(batched).toBeGreaterThan(5);
  });

  it('the first hash after a load digests only the actors the appended fact changes (every actor without the accumulator)', () => {
    const threadId = 'long';
    const facts = longThreadFacts(threadId, 20, 5); // 121 actors
    const cut = facts.length - 1;
    const saved = hashedState(threadId, facts.slice(0, cut));
    const next = facts[cut]!;
    const expected = hashThreadState(applyFacts(initialThreadState(threadId), facts));
    const firstHash = (text: string): { hash: string; calls: number } => {
      const restored = decodeThreadState(text)!;
      const session = foldSession(restored, { hashing: true });
      session.apply(next);
      digests.calls = 0;
      const hash = session.hash();
      return { hash, calls: digests.calls };
    };
    const text = encodeThreadState(saved);
    expect(text).toContain('"hashAccV2":"');
    const actors = actorCount(saved);
    expect(actors).toBe(121);
    const incremental = firstHash(text);
    expect(incremental.hash).toBe(expected);
    expect(incremental.calls).toBeLessThanOrEqual(4); // the actors of one fact: out before, in after
    // the same entry without the field (as written before it existed): every actor digested, the same hash
    const { body } = bodyOf(text);
    const plain = withBody(text, body.replace(/,"hashAccV2":"[0-9a-f]{32}"/, ''));
    expect(plain).not.toContain('hashAccV2');
    const full = firstHash(plain);
    expect(full.hash).toBe(expected);
    expect(full.calls).toBeGreaterThanOrEqual(actors);
  });

  it('a load, then a fold of the tail in several batches (rehydration), then a hash: only the actors the tail changed are digested', () => {
    const threadId = 'long';
    const facts = longThreadFacts(threadId, 20, 5);
    const cut = facts.length - 9;
    const expected = hashThreadState(applyFacts(initialThreadState(threadId), facts));
    const restored = decodeThreadState(encodeThreadState(hashedState(threadId, facts.slice(0, cut))))!;
    digests.calls = 0;
    let state = restored;
    for (let i = cut; i < facts.length; i += 3) state = applyFacts(state, facts.slice(i, i + 3));
    expect(hashThreadState(state)).toBe(expected);
    expect(digests.calls).toBeLessThan(actorCount(state) / 4); // the actors of 9 facts (before and after), not every actor
  });

  it('a changed digit of the accumulator makes the entry a miss, never a wrong hash; so does a malformed one under a matching checksum', () => {
    const saved = hashedState(history.threadId, history.facts.slice(0, 20));
    const text = encodeThreadState(saved);
    const { start, body } = bodyOf(text);
    const at = start + body.indexOf('"hashAccV2":"') + '"hashAccV2":"'.length + 5;
    for (const digit of ['0', '7', 'f']) {
      if (text[at] === digit) continue;
      expect(decodeThreadState(text.slice(0, at) + digit + text.slice(at + 1))).toBeUndefined();
    }
    const acc = /"hashAccV2":"([0-9a-f]{32})"/.exec(body)![1]!;
    for (const bad of [acc.slice(1), acc.toUpperCase(), `${acc}0`]) {
      if (bad === acc) continue;
      expect(decodeThreadState(withBody(text, body.replace(acc, bad)))).toBeUndefined();
    }
    expect(decodeThreadState(withBody(text, body.replace(`"${acc}"`, '[1,2,3,4]')))).toBeUndefined();
    expect(decodeThreadState(withBody(text, body))).toBeDefined(); // withBody itself keeps a good entry good
  });

  it('entries without the accumulator (states never hashed, entries written before it) load, fold on and hash as the fold', async () => {
    const cut = 25;
    const unhashed = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, cut));
    const text = encodeThreadState(unhashed);
    expect(text).not.toContain('hashAccV2');
    expect(knownAccumulatorV2(unhashed)).toBeUndefined(); // encoding did not digest the state for it
    const restored = decodeThreadState(text)!;
    expect(knownAccumulatorV2(restored)).toBeUndefined();
    const expected = hashThreadState(applyFacts(initialThreadState(history.threadId), history.facts));
    expect(hashThreadState(applyFacts(restored, history.facts.slice(cut)))).toBe(expected);
    // through the in-memory cache, a hashed state's entry comes back with its accumulator
    const cache = createInMemorySnapshotCache();
    const hashed = hashedState(history.threadId, history.facts.slice(0, cut));
    await cache.save(hashed);
    const loaded = (await cache.load(history.threadId))!;
    expect(knownAccumulatorV2(loaded)).toEqual(knownAccumulatorV2(hashed));
    expect(hashThreadState(applyFacts(loaded, history.facts.slice(cut)))).toBe(expected);
  });
});
