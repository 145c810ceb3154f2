import { describe, expect, it } from 'vitest';
import { toJsonLine } from '../../src/cli/json.ts';

describe('toJsonLine', () => {
  it('writes bigints (revisions, positions), nested anywhere, as decimal strings', () => {
    expect(toJsonLine({ revision: 12n, at: [{ position: 9007199254740993n }], n: 1 })).toBe('{"revision":"12","at":[{"position":"9007199254740993"}],"n":1}');
  });

  it('writes a value without bigints exactly as JSON.stringify does', () => {
    const v = { a: 'x', b: [1, null, { c: true }], d: undefined, e: new Date(0) };
    expect(toJsonLine(v)).toBe(JSON.stringify(v));
  });

  it('still refuses a circular value with a TypeError', () => {
    const v: Record<string, unknown> = { revision: 1n };
    v.self = v;
    expect(() => toJsonLine(v)).toThrow(TypeError);
  });
});
