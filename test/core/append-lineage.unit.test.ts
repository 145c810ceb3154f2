import { describe, expect, it } from 'vitest';
import { appended, extendsByAppends } from '../../src/core/append-lineage.ts';

describe('append lineage', () => {
  it('appended is a new array of the source items then the new ones; the source is unchanged', () => {
    const a = ['x'];
    const b = appended(a, 'y', 'z');
    expect(b).toEqual(['x', 'y', 'z']);
    expect(a).toEqual(['x']);
    expect(b).not.toBe(a);
  });

  it('knows an array extends each of its sources, through several appends, and nothing else', () => {
    const a: string[] = [];
    const b = appended(a, 'p');
    const c = appended(b, 'q');
    const d = appended(c, 'r');
    expect(extendsByAppends(d, a)).toBe(true);
    expect(extendsByAppends(d, c)).toBe(true);
    expect(extendsByAppends(d, d)).toBe(true);
    expect(extendsByAppends(c, d)).toBe(false);
    expect(extendsByAppends(d, ['p', 'q'])).toBe(false); // equal content, another array: the caller compares
    expect(extendsByAppends(appended(['p'], 'q'), b)).toBe(false);
    expect(extendsByAppends(d, a, 1)).toBe(false); // not found within the hops allowed
  });
});
