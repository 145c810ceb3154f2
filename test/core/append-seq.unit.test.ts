/**
 * AppendSeq: every version reads as the plain array it was created with, whatever is appended
 * later to it or to any other version (forks included); its JSON and its digest are the plain
 * array's. Property seeded by `FC_SEED` (printed in the test name).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppendSeq, seqsToArrays } from '../../src/core/append-seq.ts';
import { actorDigest, canonicalJson } from '../../src/history/fold/state-digest.ts';
import { actorDigestV2 } from '../../src/history/fold/state-digest-v2.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** Checks `seq` against `model` through every reader. */
function expectReads<T>(seq: AppendSeq<T>, model: readonly T[], absent: T): void {
  expect(seq.length).toBe(model.length);
  expect(seq.toArray()).toEqual(model);
  expect([...seq]).toEqual(model);
  expect(JSON.parse(JSON.stringify(seq))).toEqual(JSON.parse(JSON.stringify(model)));
  for (let i = 0; i < model.length; i++) expect(seq.at(i)).toBe(model[i]);
  expect(seq.at(model.length)).toBeUndefined();
  expect(seq.at(-1)).toBe(model.at(-1));
  for (const x of model) expect(seq.includes(x)).toBe(true);
  expect(seq.includes(absent)).toBe(model.includes(absent));
}

describe('AppendSeq', () => {
  it('appends to the newest version in place and forks an older one; each version keeps its items', () => {
    const a = AppendSeq.empty<string>();
    const b = a.append('x');
    const c = b.append('y', 'z');
    const fork = b.append('q'); // b is no longer the newest: a copy
    const d = c.append('w');
    expectReads(a, [], 'x');
    expectReads(b, ['x'], 'y');
    expectReads(c, ['x', 'y', 'z'], 'w');
    expectReads(fork, ['x', 'q'], 'y');
    expectReads(d, ['x', 'y', 'z', 'w'], 'q');
    expect(b.append()).toBe(b);
    expect(d.startsWith(b)).toBe(true);
    expect(d.startsWith(fork)).toBe(false);
    expect(fork.startsWith(b)).toBe(true);
    expect(d.startsWith(['x', 'y'])).toBe(true);
    expect(b.startsWith(d)).toBe(false);
  });

  it('includes sees only its own prefix, also for an item appended later to another version', () => {
    const a = AppendSeq.from(['p']);
    expect(a.includes('q')).toBe(false); // indexes the backing
    const b = a.append('q');
    expect(a.includes('q')).toBe(false);
    expect(b.includes('q')).toBe(true);
    const fork = a.append('r');
    expect(fork.includes('q')).toBe(false);
    expect(fork.includes('r')).toBe(true);
    expect(b.includes('r')).toBe(false);
  });

  it(`property (seed ${SEED}): after any appends to any versions, every version reads as when it was made`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 })), { maxLength: 60 }), (ops) => {
        const versions: Array<{ seq: AppendSeq<number>; model: number[] }> = [{ seq: AppendSeq.empty(), model: [] }];
        for (const [pick, items] of ops) {
          const from = versions[pick % versions.length]!;
          versions.push({ seq: from.seq.append(...items), model: [...from.model, ...items] });
          for (const v of versions) expect(v.seq.length).toBe(v.model.length);
        }
        for (const v of versions) expectReads(v.seq, v.model, -1);
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('JSON round trip: the text is the plain array, and from() rebuilds an equal list that appends alone', () => {
    const obs = [{ stepId: 'a', status: 'completed', output: { n: 1 } }, { stepId: 'b', status: 'failed', error: 'e' }];
    const seq = AppendSeq.empty<(typeof obs)[number]>().append(obs[0]!).append(obs[1]!);
    const text = JSON.stringify({ observations: seq });
    expect(text).toBe(JSON.stringify({ observations: obs }));
    const back = AppendSeq.from((JSON.parse(text) as { observations: typeof obs }).observations);
    expect(back.toArray()).toEqual(obs);
    const more = back.append({ stepId: 'c', status: 'completed', output: { n: 2 } });
    expect(back.length).toBe(2);
    expect(more.length).toBe(3);
    expect(seq.length).toBe(2);
  });

  it('seqsToArrays gives the JSON-shaped record (a copy) and leaves a record without AppendSeq as is', () => {
    const plain = { a: 1, b: ['x'] };
    expect(seqsToArrays(plain)).toBe(plain);
    const rec = { a: 1, s: AppendSeq.from(['x', 'y']) };
    const out = seqsToArrays(rec);
    expect(out).toEqual({ a: 1, s: ['x', 'y'] });
    expect(Array.isArray(out.s)).toBe(true);
    expect(rec.s).toBeInstanceOf(AppendSeq);
  });

  it(`property (seed ${SEED}): the state digest (both versions) of an AppendSeq field equals the plain array's, with and without an earlier version as hint`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 })), { maxLength: 25 }), (ops) => {
        const versions: Array<{ seq: AppendSeq<{ s: string }>; model: Array<{ s: string }>; snap: { value: string; context: object } }> = [];
        const snap = (seq: AppendSeq<{ s: string }>) => ({ value: 'v', context: { n: 1, list: seq } });
        const empty = AppendSeq.empty<{ s: string }>();
        versions.push({ seq: empty, model: [], snap: snap(empty) });
        for (const [pick, items] of ops) {
          const from = versions[pick % versions.length]!;
          const objs = items.map((s) => ({ s }));
          const seq = from.seq.append(...objs);
          const v = { seq, model: [...from.model, ...objs], snap: snap(seq) };
          // digested with the version it was appended to as hint (as the fold does), then compared
          const d = actorDigest('k', v.snap, from.snap);
          expect(d.equals(actorDigest('k', { value: 'v', context: { n: 1, list: v.model.map((o) => ({ ...o })) } }))).toBe(true);
          const d2 = actorDigestV2('k', v.snap, from.snap);
          expect([...d2]).toEqual([...actorDigestV2('k', { value: 'v', context: { n: 1, list: v.model.map((o) => ({ ...o })) } })]);
          versions.push(v);
        }
        for (const v of versions) {
          expect(actorDigest('k', v.snap).equals(actorDigest('k', { value: 'v', context: { n: 1, list: [...v.model] } }))).toBe(true);
          expect([...actorDigestV2('k', v.snap)]).toEqual([...actorDigestV2('k', { value: 'v', context: { n: 1, list: [...v.model] } })]);
          expect(canonicalJson(v.snap.context)).toBe(canonicalJson({ n: 1, list: v.model }));
        }
      }),
      { numRuns: 100, seed: SEED },
    );
  });
});
