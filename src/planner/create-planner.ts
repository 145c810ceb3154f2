/**
 * The one place a planner is built from its settings. The CLI's `run` builds them from its
 * arguments, every later command from the descriptor recorded in `ThreadOpened`; both call
 * `createPlanner`. The OpenAI planner's module (and the OpenAI SDK) is imported only when an
 * OpenAI planner is built.
 */
import type { PlanSpec } from '../plan/plan-schema.ts';
import type { Planner } from './planner.ts';
import { createStaticPlanner } from './static-planner.ts';

/**
 * What a planner is built from.
 * - `static`: the plan (parsed) and where it came from (a file path, recorded in requests);
 * - `openai`: the model, the endpoint (absent: `OPENAI_BASE_URL`, else api.openai.com), the key
 *   (absent: `OPENAI_API_KEY`), the timeout per HTTP attempt (ms) and the retries.
 */
export type PlannerSettings =
  | { kind: 'static'; plan: PlanSpec; source: string }
  | { kind: 'openai'; model: string; baseURL?: string; apiKey?: string; timeoutMs: number; maxRetries: number };

/**
 * Builds the planner `settings` describe.
 * @throws PlannerConfigError an invalid static plan, or an invalid OpenAI planner option;
 *   LlmConfigError neither an API key nor a base URL is configured for an OpenAI planner.
 */
export async function createPlanner(settings: PlannerSettings): Promise<Planner> {
  if (settings.kind === 'static') return createStaticPlanner(settings.plan, { source: settings.source });
  const { createOpenAIPlanner } = await import('./openai-planner.ts');
  const { model, baseURL, apiKey, timeoutMs, maxRetries } = settings;
  return createOpenAIPlanner({ model, timeoutMs, maxRetries, ...(baseURL !== undefined ? { baseURL } : {}), ...(apiKey !== undefined ? { apiKey } : {}) });
}
