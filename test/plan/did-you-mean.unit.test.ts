import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance, unknownKeysMessage } from '../../src/plan/did-you-mean.ts';

const SEED = 20261205;

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
    expect(editDistance('requireApproval', 'requiresApproval')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('dependsOn', 'dpeendsOn')).toBe(1); // one transposition
    expect(editDistance('ca', 'abc')).toBe(3); // optimal string alignment, not full Damerau (2)
  });

  it('property: symmetric, 0 exactly for equal strings, between |len difference| and the longer length', () => {
    console.log(`editDistance property seed ${SEED}`);
    let equalPairs = 0;
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), fc.boolean(), (a, b0, same) => {
        const b = same ? a : b0;
        if (a === b) equalPairs++;
        const d = editDistance(a, b);
        expect(editDistance(b, a)).toBe(d);
        expect(d === 0).toBe(a === b);
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        if (a.length > 0) expect(editDistance(a, a.slice(1))).toBe(1);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(equalPairs).toBeGreaterThan(50); // the generator reaches equal strings, not only different ones
  });
});

describe('closestMatch and the unknown-key message', () => {
  const stepKeys = ['id', 'action', 'input', 'dependsOn', 'priority', 'retry', 'timeoutMs', 'requiresApproval', 'interruptBefore', 'interruptAfter'];
  it('suggests typos, case slips and missing unit suffixes; nothing for unrelated words', () => {
    expect(closestMatch('requireApproval', stepKeys)).toBe('requiresApproval');
    expect(closestMatch('dependson', stepKeys)).toBe('dependsOn');
    expect(closestMatch('depends_on', stepKeys)).toBe('dependsOn');
    expect(closestMatch('timeout', stepKeys)).toBe('timeoutMs');
    expect(closestMatch('rety', stepKeys)).toBe('retry');
    expect(closestMatch('banana', stepKeys)).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });
  it('names each key; lists the allowed keys when nothing is close', () => {
    expect(unknownKeysMessage(['requireApproval'], stepKeys)).toBe("unknown key 'requireApproval' (did you mean 'requiresApproval'?)");
    expect(unknownKeysMessage(['banana', 'timeout'], stepKeys)).toBe("unknown key 'banana'; unknown key 'timeout' (did you mean 'timeoutMs'?)");
    expect(unknownKeysMessage(['banana'], ['a', 'b'])).toBe("unknown key 'banana' (allowed: a, b)");
  });
});
