/**
 * The version-2 actor digests (src/history/fold/state-digest-v2.ts) depend on the JSON content of the
 * hashed fields and on nothing else: equal content (keys in another order, `undefined` properties,
 * an AppendSeq for an array, a copy instead of a shared object, `-0`) gives equal digests, and a
 * change anywhere in a field's content (oracle: version 1's canonical JSON) changes the digest;
 * digests computed incrementally (a list continued from an earlier version, a large record from an
 * earlier one) equal fresh ones. Properties seeded by `FC_SEED` (printed in the test names).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppendSeq } from '../../src/core/append-seq.ts';
import { canonicalJson, UNHASHED_CONTEXT_KEYS } from '../../src/history/fold/state-digest.ts';
import { actorDigestV2, valueDigest } from '../../src/history/fold/state-digest-v2.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

const KEYS = ['', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 'ab', 'é', '\u0000'];
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 5 }),
  fc.constantFrom(0, -0, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 53, 0.5, '0', 'null', 'true', ''),
);
/** JSON-like values; some objects of 16 keys or more (digested as records of entries), some undefined properties. */
const { value: jsonish } = fc.letrec<{ value: unknown; arr: unknown[]; obj: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 5 }),
  obj: fc.oneof(
    fc.dictionary(fc.constantFrom(...KEYS), fc.oneof({ weight: 9, arbitrary: tie('value') }, { weight: 1, arbitrary: fc.constant(undefined) }), { maxKeys: 20 }),
    fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(leaf, fc.constant(undefined), fc.constant({})), { minKeys: 16 }),
  ),
}));

const digestOf = (field: unknown, value: unknown = 'idle'): string => [...actorDigestV2('K:x', { value, context: { f: field, n: 1 } })].join(',');

/** A copy with the same JSON content: keys reversed, an `undefined` property added, arrays as AppendSeq every other time, fresh objects. */
function sameContent(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object') return Object.is(v, 0) ? -0 : v;
  if (Array.isArray(v) || v instanceof AppendSeq) {
    const items = (v instanceof AppendSeq ? v.toArray() : v).map((x) => sameContent(x, depth + 1));
    return depth % 2 === 0 ? AppendSeq.from(items) : items;
  }
  const out: Record<string, unknown> = { zz_absent: undefined };
  for (const k of Object.keys(v).reverse()) out[k] = sameContent((v as Record<string, unknown>)[k], depth + 1);
  return out;
}

/**
 * `v` with one change at the node picked by `choices` (objects on the path are copied, the rest
 * shared): a leaf replaced, a key added or removed, an item appended, removed or replaced.
 */
function mutate(v: unknown, choices: number[], replacement: unknown): unknown {
  const c = choices.shift() ?? 0;
  if (Array.isArray(v)) {
    if (v.length > 0 && c % 4 === 0) {
      const i = (choices.shift() ?? 0) % v.length;
      return v.map((x, j) => (j === i ? mutate(x, choices, replacement) : x));
    }
    if (c % 4 === 1) return [...v, replacement];
    if (c % 4 === 2 && v.length > 0) return v.slice(1);
    return [replacement, ...v];
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length > 0 && c % 4 === 0) {
      const k = keys[(choices.shift() ?? 0) % keys.length]!;
      return { ...o, [k]: mutate(o[k], choices, replacement) };
    }
    if (c % 4 === 1 && keys.length > 0) {
      const { [keys[(choices.shift() ?? 0) % keys.length]!]: _, ...rest } = o;
      return rest;
    }
    if (c % 4 === 2 && keys.length > 1) {
      // two values swap keys
      const a = keys[(choices.shift() ?? 0) % keys.length]!;
      const b = keys[(choices.shift() ?? 1) % keys.length]!;
      return { ...o, [a]: o[b], [b]: o[a] };
    }
    return { ...o, [KEYS[(choices.shift() ?? 0) % KEYS.length]!]: replacement };
  }
  return replacement;
}

describe('state digest, version 2', () => {
  it(`property (seed ${SEED}): equal JSON content gives equal digests`, () => {
    fc.assert(
      fc.property(jsonish, jsonish, (field, value) => {
        expect(digestOf(sameContent(field), sameContent(value))).toBe(digestOf(field, value));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it(`property (seed ${SEED}): any change of a field's or the state value's content changes the digest`, () => {
    fc.assert(
      fc.property(jsonish, fc.array(fc.nat(), { maxLength: 12 }), jsonish, fc.boolean(), (v, choices, replacement, inValue) => {
        const changed = mutate(v, [...choices], replacement);
        fc.pre(canonicalJson(changed) !== canonicalJson(v));
        const before = inValue ? digestOf(1, v) : digestOf(v);
        const after = inValue ? digestOf(1, changed) : digestOf(changed);
        expect(after).not.toBe(before);
      }),
      { numRuns: 500, seed: SEED },
    );
  });

  it(`property (seed ${SEED}): a field digested from its previous version (hint) equals a fresh digest`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 8 }), jsonish), { minLength: 1, maxLength: 12 }), jsonish, (edits, start) => {
        // two fields edited in turn: a list that grows (array or AppendSeq) and a record of ≥ 16 entries
        let list: unknown[] | AppendSeq<unknown> = [start];
        let seq = AppendSeq.from<unknown>([start]);
        let rec: Record<string, unknown> = Object.fromEntries(KEYS.map((k, i) => [k, i % 3 === 0 ? { i } : i]));
        let snap = { value: 's', context: { list, seq, rec } as Record<string, unknown> };
        for (const [choices, x] of edits) {
          const c = choices[0] ?? 0;
          if (c % 3 === 0) list = c % 2 === 0 ? [...(list as unknown[]), x] : mutate(list, [...choices.slice(1)], x) as unknown[];
          else if (c % 3 === 1) seq = seq.append(x, { x });
          else rec = mutate(rec, [...choices.slice(1)], x) as Record<string, unknown>;
          const next = { value: 's', context: { list, seq, rec } as Record<string, unknown> };
          const incremental = [...actorDigestV2('T', next, snap)];
          const fresh = [...actorDigestV2('T', { value: 's', context: sameContent(next.context) as Record<string, unknown> })];
          expect(incremental).toEqual(fresh);
          snap = next;
        }
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('tells apart values JSON tells apart, of every type and shape', () => {
    const values: unknown[] = [
      null, true, false, 0, 1, -1, 0.5, 2 ** 31, -(2 ** 31), 2 ** 53, '', '0', '1', 'null', 'true', 'a', 'ab', 'ba', '\u0000', 'é',
      [], {}, [null], [[]], [{}], [''], ['a', 'b'], ['ab'], ['a', ''], ['', 'a'], [1, 2], [2, 1], [[1], 2], [1, [2]],
      { a: 1 }, { a: '1' }, { b: 1 }, { a: [1] }, { a: { a: 1 } }, { a: 1, b: 2 }, { a: 2, b: 1 }, { ab: 1 }, { '': 1 },
      Object.fromEntries(KEYS.map((k, i) => [k, i])), Object.fromEntries(KEYS.map((k, i) => [k, i + 1])), Object.fromEntries(KEYS.map((k, i) => [k, KEYS.length - i])),
      KEYS.map((k) => k), KEYS.slice(1),
    ];
    const digests = values.map((v) => digestOf(v));
    expect(new Set(digests).size).toBe(values.length);
    const asValue = values.map((v) => digestOf(1, v));
    expect(new Set(asValue).size).toBe(values.length);
    expect(new Set([...digests, ...asValue]).size).toBe(2 * values.length); // the state value and a field are not confused
  });

  it('follows JSON: undefined properties and functions are left out, undefined items and non-finite numbers are null, -0 is 0', () => {
    expect(digestOf({ a: 1, b: undefined, c: () => 1 })).toBe(digestOf({ a: 1 }));
    expect(digestOf([undefined, Number.NaN, Number.POSITIVE_INFINITY])).toBe(digestOf([null, null, null]));
    expect(digestOf(-0)).toBe(digestOf(0));
    expect(digestOf({ z: 1, a: 2 })).toBe(digestOf({ a: 2, z: 1 }));
    expect(digestOf(AppendSeq.from([1, { a: 2 }]))).toBe(digestOf([1, { a: 2 }]));
    expect(digestOf({ l: AppendSeq.from([1]) })).toBe(digestOf({ l: [1] }));
  });

  it('covers the actor key and state value, leaves out the unhashed context keys and undefined fields', () => {
    const snap = { value: { running: 'a' }, context: { x: 1, y: [1, 2] } };
    const d = (key: string, s: { value: unknown; context: unknown }) => [...actorDigestV2(key, { ...s })].join(','); // memoised per snapshot object
    expect(d('K:a', snap)).not.toBe(d('K:b', snap));
    expect(d('K:a', snap)).not.toBe(d('K:a', { ...snap, value: { running: 'b' } }));
    expect(d('K:a', snap)).not.toBe(d('K:a', { ...snap, context: { x: 1, y: [1, 2], z: 0 } }));
    for (const k of UNHASHED_CONTEXT_KEYS) expect(d('K:a', { ...snap, context: { ...snap.context, [k]: { big: 'input' } } })).toBe(d('K:a', snap));
    expect(d('K:a', { ...snap, context: { ...snap.context, u: undefined } })).toBe(d('K:a', snap));
  });

  it('a memoised digest is per object: the same object in another field or list position digests the same', () => {
    const shared = { spec: { id: 's1', input: { n: 1 } } };
    expect([...valueDigest(shared)]).toEqual([...valueDigest({ spec: { id: 's1', input: { n: 1 } } })]);
    const list = [shared, shared];
    expect([...valueDigest(list)]).toEqual([...valueDigest([{ ...shared }, { ...shared }])]);
  });

  it('reads own keys only, whatever key lists it saw before (inherited enumerable keys are left out, as JSON does)', () => {
    const d = (context: object) => [...actorDigestV2('K:a', { value: 'idle', context })].join(',');
    const plain = { a: 1, b: 2 };
    const sameKeys = d(plain); // the key list a, b is now remembered
    const inherits = Object.assign(Object.create({ b: 2 }) as object, { a: 1 });
    expect(d(inherits)).toBe(d({ a: 1 }));
    expect(d(inherits)).not.toBe(sameKeys);
    // the same keys in another order, one more key, one key fewer: each its own list
    expect(d({ b: 2, a: 1 })).toBe(sameKeys);
    expect(d({ a: 1, b: 2, c: 3 })).not.toBe(sameKeys);
    expect(d({ a: 1 })).toBe(d(JSON.parse('{"a":1}') as object));
    expect(d({})).toBe(d(Object.create({ a: 1 }) as object));
  });

  it('memoises a small object found unchanged in the actor\'s previous version (a step spec), with the same digest', () => {
    const spec = { id: 's1', action: 'noop', input: {}, dependsOn: ['s0'], priority: 0 };
    const pending = { value: 'pending', context: { step: spec, attempts: 0 } };
    const running = { value: 'running', context: { step: spec, attempts: 1 } };
    const scratch = valueDigest({ other: 1 }); // a small object's digest: the shared scratch array
    const fresh = [...valueDigest({ ...spec })];
    actorDigestV2('K:s1', pending);
    expect(valueDigest(spec)).toBe(scratch); // seen once: not remembered
    const withHint = [...actorDigestV2('K:s1', running, pending)];
    const remembered = valueDigest(spec);
    expect(remembered).not.toBe(scratch);
    expect([...remembered]).toEqual(fresh);
    expect(withHint).toEqual([...actorDigestV2('K:s1', { value: 'running', context: { step: { ...spec }, attempts: 1 } })]);
  });

  it('gives the digests the definition gave before its memoising and key-reading shortcuts (known answers: a large record, a small object, an actor)', () => {
    const rec = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${(i * 7) % 17}`, i % 3 === 0 ? { n: i } : `v${i}`]));
    const small = { b: [1, 'x', null], a: { c: true } };
    const spec = { id: 's1', action: 'noop', input: {}, dependsOn: ['s0'], priority: 0 };
    const actor = { value: 'running', status: 'active', context: { step: spec, attempts: 1, rec, list: [small, 2], startedInput: { ignored: 1 } } };
    expect([...valueDigest(rec)].slice(0, 4)).toEqual([-1828353876, 742548948, -256710959, -948658739]);
    expect([...valueDigest(small)].slice(0, 4)).toEqual([-617078656, 286538417, 1547170326, 33642989]);
    expect([...actorDigestV2('K:i1/p1/s1', actor)]).toEqual([1615514896, -1216078530, -334838136, -589448289]);
  });

  it('remembers an actor digest on its snapshot where JSON and Object.keys do not see it, and beside a frozen snapshot', () => {
    const snap = { value: 'x', status: 'active', context: { a: 1 } };
    const json = JSON.stringify(snap);
    const d = actorDigestV2('K:a', snap);
    expect(actorDigestV2('K:a', snap)).toBe(d);
    expect(Object.keys(snap)).toEqual(['value', 'status', 'context']);
    expect(JSON.stringify(snap)).toBe(json);
    expect(structuredClone(snap)).toEqual(snap);
    const frozen = Object.freeze({ value: 'x', status: 'active', context: { a: 1 } });
    const f = actorDigestV2('K:a', frozen);
    expect(actorDigestV2('K:a', frozen)).toBe(f);
    expect([...f]).toEqual([...d]);
    const done = { value: 'x', status: 'done', context: { a: 1 } };
    expect(actorDigestV2('K:a', done)).not.toBe(actorDigestV2('K:a', done)); // final: not remembered
    expect(Object.getOwnPropertySymbols(done)).toEqual([]);
  });
});

