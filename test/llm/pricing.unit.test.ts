import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { costUsd, findModelPrice } from '../../src/llm/pricing.ts';
import { sumUsage, usageOf } from '../../src/llm/usage.ts';

describe('pricing', () => {
  it('prices known models per 1M tokens, dated snapshots by their longest family prefix', () => {
    expect(costUsd('gpt-4o', 1_000_000, 1_000_000)).toBeCloseTo(12.5, 10);
    expect(findModelPrice('gpt-4o-mini-2024-07-18')).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(findModelPrice('gpt-4o-2024-08-06')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    expect(findModelPrice('gpt-4oxyz')).toBeUndefined();
  });

  it('costs 0 for unknown models unless priced by an override', () => {
    expect(costUsd('llama3.1:8b', 5000, 5000)).toBe(0);
    const prices = { 'llama3.1:8b': { inputPerMTok: 1, outputPerMTok: 2 }, 'gpt-4o': { inputPerMTok: 0, outputPerMTok: 0 } };
    expect(costUsd('llama3.1:8b', 1_000_000, 500_000, prices)).toBeCloseTo(2, 10);
    expect(costUsd('gpt-4o', 1000, 1000, prices)).toBe(0);
  });

  it('usageOf clamps and rounds token counts; sumUsage adds attempts', () => {
    expect(usageOf('gpt-4o', -5, 2.4)).toEqual({ model: 'gpt-4o', inputTokens: 0, outputTokens: 2, costUsd: (2 * 10) / 1e6, calls: 1 });
    expect(usageOf('gpt-4o', 1, 1, undefined, 3).calls).toBe(3);
    expect(sumUsage([])).toBeUndefined();
    expect(sumUsage([usageOf('gpt-4o', 10, 1), usageOf('gpt-4o', 20, 2)])).toEqual({
      model: 'gpt-4o',
      inputTokens: 30,
      outputTokens: 3,
      costUsd: (10 * 2.5 + 1 * 10) / 1e6 + (20 * 2.5 + 2 * 10) / 1e6,
      calls: 2,
    });
  });

  it('cost is non-negative and additive in tokens', () => {
    fc.assert(
      fc.property(fc.constantFrom('gpt-4o', 'gpt-4.1-mini', 'o3', 'unknown'), fc.nat(1e7), fc.nat(1e7), fc.nat(1e7), (m, a, b, c) => {
        const whole = costUsd(m, a + b, c);
        expect(whole).toBeGreaterThanOrEqual(0);
        expect(whole).toBeCloseTo(costUsd(m, a, c) + costUsd(m, b, 0), 9);
      }),
    );
  });
});
