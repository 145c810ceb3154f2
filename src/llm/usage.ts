/**
 * `Usage` records of LLM calls (the shape facts record: model, token counts, cost in USD, requests
 * sent), priced with `pricing.ts`.
 */
import type { Usage } from '../facts/facts/common.ts';
import { costUsd, type PriceTable } from './pricing.ts';

/**
 * A `Usage` record (token counts, cost in USD, `calls`: requests sent, default 1) for one call.
 * Negative or fractional counts are clamped/rounded.
 */
export function usageOf(model: string, inputTokens: number, outputTokens: number, prices?: PriceTable, calls = 1): Usage {
  const input = Math.max(0, Math.round(inputTokens));
  const output = Math.max(0, Math.round(outputTokens));
  return { model, inputTokens: input, outputTokens: output, costUsd: costUsd(model, input, output, prices), calls: Math.max(0, Math.round(calls)) };
}

/**
 * Sums usages of the same call site (e.g. a planner's repair attempts); `model` is the first one's;
 * `calls` sums each one's (1 when absent). Undefined for none.
 */
export function sumUsage(usages: readonly Usage[]): Usage | undefined {
  const first = usages[0];
  if (!first) return undefined;
  return usages.slice(1).reduce(
    (acc, u) => ({
      model: acc.model,
      inputTokens: acc.inputTokens + u.inputTokens,
      outputTokens: acc.outputTokens + u.outputTokens,
      costUsd: acc.costUsd + u.costUsd,
      calls: (acc.calls ?? 1) + (u.calls ?? 1),
    }),
    { ...first, calls: first.calls ?? 1 },
  );
}
