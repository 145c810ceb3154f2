/**
 * Cost of LLM calls from token usage, in USD.
 *
 * Prices are USD per 1,000,000 tokens (the unit OpenAI's pricing page uses), separately for input
 * (prompt) and output (completion) tokens. `DEFAULT_PRICES` holds OpenAI list prices for a few
 * common models (standard tier, no cached-input discount, as published on
 * https://openai.com/api/pricing in 2025); they go stale — pass your own table to override or extend
 * it. A model that is not in the table costs 0 (local models, unknown names), so budgets only see
 * what is priced.
 */
/** Price of one model: USD per 1M input tokens and per 1M output tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** Model name → price. Keys are model names or family prefixes (`gpt-4o` also prices `gpt-4o-2024-08-06`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** OpenAI list prices (USD per 1M tokens) of a few models; see the module doc. */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'o3': { inputPerMTok: 2, outputPerMTok: 8 },
  'o3-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
};

/**
 * Finds the price of `model` in `prices` (the defaults overlaid with `overrides`): the exact name
 * first, else the longest key `k` such that `model` starts with `k + '-'` (dated snapshots such as
 * `gpt-4o-mini-2024-07-18` take the `gpt-4o-mini` price, not `gpt-4o`). Undefined when unpriced.
 */
export function findModelPrice(model: string, overrides?: PriceTable): ModelPrice | undefined {
  const table: PriceTable = { ...DEFAULT_PRICES, ...overrides };
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (model.startsWith(`${key}-`) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

/** Cost in USD of `inputTokens` + `outputTokens` on `model`; 0 when the model is unpriced. */
export function costUsd(model: string, inputTokens: number, outputTokens: number, prices?: PriceTable): number {
  const price = findModelPrice(model, prices);
  if (!price) return 0;
  return (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1_000_000;
}
