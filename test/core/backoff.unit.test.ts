import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../src/core/backoff.ts';

describe('createBackoff', () => {
  it('doubles from the first delay up to the maximum; reset starts over', () => {
    const b = createBackoff(100, 1000);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
    const d = createBackoff();
    expect(Array.from({ length: 8 }, () => d.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('refuses delays that are not positive, or a maximum below the first', () => {
    expect(() => createBackoff(0)).toThrow(/firstMs must be a positive number of ms, got 0/);
    expect(() => createBackoff(Number.NaN)).toThrow(RangeError);
    expect(() => createBackoff(100, 50)).toThrow(/maxMs must be ≥ firstMs \(100\), got 50/);
  });
});
