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
  });

  it('an append to an older version forks: neither branch is said to extend the other', () => {
    const a = appended([] as string[], 'p');
    const b = appended(a, 'q');
    const fork = appended(a, 'x', 'y');
    expect(extendsByAppends(fork, b)).toBe(false);
    expect(extendsByAppends(b, fork)).toBe(false);
    expect(extendsByAppends(appended(b, 'r'), b)).toBe(true);
    expect(extendsByAppends(appended(fork, 'z'), fork)).toBe(true);
    expect(extendsByAppends(appended(fork, 'z'), b)).toBe(false);
  });
});
