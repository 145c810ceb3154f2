/**
 * The planner descriptor the CLI records in `ThreadOpened.planner`, and how a later process
 * rebuilds the planner from it (never with secrets: keys come from the environment):
 * - `{ kind: 'static', config: { file, actions? } }`: the plan file (absolute path), read again;
 * - `{ kind: 'openai', config: { model, baseURL?, timeoutMs?, maxRetries?, apiKeyEnv?, actions? } }`:
 *   the model and endpoint (no `baseURL`: api.openai.com), the request timeout (ms per attempt) and
 *   retries it was opened with (`planner-settings.ts`), and `apiKeyEnv: 'OPENAI_API_KEY'` when it
 *   was opened with a key: rebuilding it then needs that variable (no placeholder key is sent), as
 *   does api.openai.com. `models: [{ model, baseURL? }, …]`: candidates tried in order after `model`
 *   when it is unavailable (each `baseURL` defaults to the planner's; see `src/llm/fallback.ts`). `OPENAI_BASE_URL` from the environment is used only when it names the
 *   recorded endpoint (it may carry the user info the record drops).
 * - `{ kind: 'routes', config: { routes, fallback? } }`: the routes file (absolute path, read again)
 *   and, when intents no route matches go to the OpenAI planner, its config as above.
 * `actions`: absolute paths of the user action modules the thread runs with (see action-modules.ts);
 * `workspace`: the absolute workspace the thread's actions run in (a later `resume` uses it unless
 * `--workspace` says otherwise).
 */
import { readFileSync } from 'node:fs';
import { createPlanner, createRoutingPlanner, loadRoutes, parsePlanText, PlanFileError, PlannerConfigError, withoutUserInfo } from '../index.ts';
import type { Planner } from '../index.ts';
import type { EventStore } from '../index.ts';
import { ThreadNotFoundError } from '../base.ts';
import { historyEvents, lastRevision } from '../history.ts';
import { llmRequestSettings, type LlmRequestSettings } from './planner-settings.ts';

/** What `ThreadOpened.planner` holds. */
export interface PlannerDescriptor {
  kind: string;
  config?: unknown;
}

/** Config of a static planner descriptor. */
export interface StaticPlannerConfig {
  file: string;
  actions?: string[];
  workspace?: string;
}

/** Config of an OpenAI planner descriptor. */
export interface OpenAIPlannerConfig {
  model: string;
  /** Without user info; absent: api.openai.com. */
  baseURL?: string;
  /** Per HTTP attempt, ms. */
  timeoutMs?: number;
  maxRetries?: number;
  /** The environment variable holding the key the thread was opened with. */
  apiKeyEnv?: 'OPENAI_API_KEY';
  /** Fallback candidates after `model`, in order (endpoints without user info). */
  models?: { model: string; baseURL?: string }[];
  actions?: string[];
  workspace?: string;
}

/** The default OpenAI endpoint, used when a descriptor records no base URL. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * The request settings a descriptor records (each field only when recorded as a valid number),
 * over `fallback` for the rest.
 */
export function descriptorRequestSettings(d: PlannerDescriptor | undefined, fallback: LlmRequestSettings): LlmRequestSettings {
  const c = configOf(d);
  const t = c['timeoutMs'];
  const r = c['maxRetries'];
  return {
    timeoutMs: typeof t === 'number' && Number.isInteger(t) && t > 0 ? t : fallback.timeoutMs,
    maxRetries: typeof r === 'number' && Number.isInteger(r) && r >= 0 ? r : fallback.maxRetries,
  };
}

function configOf(d: PlannerDescriptor | undefined): Record<string, unknown> {
  return typeof d?.config === 'object' && d.config !== null ? (d.config as Record<string, unknown>) : {};
}

/**
 * The fallback candidates an OpenAI descriptor records (none when absent).
 * @throws PlannerConfigError `models` is not a list of `{ model, baseURL? }` with a non-empty model and a parseable URL.
 */
function descriptorModels(value: unknown, threadId: string): { model: string; baseURL?: string }[] {
  if (value === undefined) return [];
  const ok = (c: unknown): c is { model: string; baseURL?: string } => {
    const r = c as { model?: unknown; baseURL?: unknown } | null;
    return typeof r?.model === 'string' && r.model.trim() !== '' && (r.baseURL === undefined || (typeof r.baseURL === 'string' && URL.canParse(r.baseURL)));
  };
  if (!Array.isArray(value) || !value.every(ok)) {
    throw new PlannerConfigError(`thread '${threadId}': openai planner descriptor's models must be a list of { model, baseURL? }`);
  }
  return value.map((c) => ({ model: c.model, ...(c.baseURL !== undefined ? { baseURL: c.baseURL } : {}) }));
}

/** The action module paths a descriptor records (none when absent or malformed). */
export function descriptorActions(d: PlannerDescriptor | undefined): string[] {
  const a = configOf(d)['actions'];
  return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
}

/** The workspace a descriptor records, if any. */
export function descriptorWorkspace(d: PlannerDescriptor | undefined): string | undefined {
  const w = configOf(d)['workspace'];
  return typeof w === 'string' ? w : undefined;
}

/**
 * Whether two descriptors name the same planner: same kind and config, request settings
 * (`timeoutMs`, `maxRetries`, `apiKeyEnv`) and the recorded MCP tool list aside.
 */
export function samePlanner(a: PlannerDescriptor | undefined, b: PlannerDescriptor | undefined): boolean {
  const essentials = (d: PlannerDescriptor | undefined): string => {
    const { timeoutMs: _t, maxRetries: _r, apiKeyEnv: _k, mcp, ...rest } = configOf(d);
    const { tools: _tools, ...mcpFiles } = (mcp ?? {}) as Record<string, unknown>;
    return JSON.stringify({ ...rest, mcp: mcpFiles });
  };
  return a?.kind === b?.kind && essentials(a) === essentials(b);
}

/**
 * Reads a thread's planner descriptor from its first fact (`ThreadOpened`, also first in forks).
 * @returns undefined when the thread was opened without one.
 * @throws ThreadNotFoundError the thread has no fact.
 */
export async function readThreadDescriptor(store: EventStore, threadId: string): Promise<PlannerDescriptor | undefined> {
  if ((await lastRevision(store, threadId)) === undefined) throw new ThreadNotFoundError(threadId);
  for await (const e of historyEvents(store, threadId, { toRevision: 0n })) {
    if (e.type !== 'ThreadOpened') return undefined;
    const planner = (e.data as { planner?: PlannerDescriptor }).planner;
    return planner;
  }
  return undefined;
}

/**
 * Builds the planner a descriptor names (the OpenAI SDK is imported only when needed).
 * @param env where `OPENAI_API_KEY`, `OPENAI_BASE_URL` and the request settings' variables are read.
 * @throws PlannerConfigError (exit 64) unknown kind, missing fields, `OPENAI_API_KEY` unset for a
 *   thread opened with a key or planning at api.openai.com (the message names the variable);
 *   PlanFileError the static plan file cannot be read or parsed any more;
 *   UsageError a request setting variable is malformed (only read when the descriptor lacks it).
 */
export async function plannerFromDescriptor(
  d: PlannerDescriptor | undefined,
  threadId: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Planner> {
  if (d === undefined) throw new PlannerConfigError(`thread '${threadId}' records no planner; it was not opened by the orchestral CLI`);
  const config = configOf(d);
  if (d.kind === 'static') {
    const file = config['file'];
    if (typeof file !== 'string') throw new PlannerConfigError(`thread '${threadId}': static planner descriptor has no file`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PlanFileError(file, `thread '${threadId}' runs plan file ${file}, which cannot be read: ${(err as Error).message}`);
    }
    return createPlanner({ kind: 'static', plan: parsePlanText(text, file), source: file });
  }
  if (d.kind === 'openai') {
    const model = config['model'];
    if (typeof model !== 'string') throw new PlannerConfigError(`thread '${threadId}': openai planner descriptor has no model`);
    const recorded = typeof config['baseURL'] === 'string' ? config['baseURL'] : undefined;
    const apiKey = env['OPENAI_API_KEY']?.trim() ? env['OPENAI_API_KEY'] : undefined;
    if (apiKey === undefined && (recorded === undefined || config['apiKeyEnv'] !== undefined)) {
      throw new PlannerConfigError(
        `thread '${threadId}' plans with model ${model} at ${recorded ?? OPENAI_DEFAULT_BASE_URL}, which needs an API key: OPENAI_API_KEY is not set`,
      );
    }
    const fromEnv = env['OPENAI_BASE_URL'];
    const baseURL = recorded === undefined ? OPENAI_DEFAULT_BASE_URL : fromEnv && URL.canParse(fromEnv) && withoutUserInfo(fromEnv) === recorded ? fromEnv : recorded;
    const { timeoutMs, maxRetries } = descriptorRequestSettings(d, llmRequestSettings({}, env));
    const models = descriptorModels(config['models'], threadId);
    return createPlanner({ kind: 'openai', model, baseURL, timeoutMs, maxRetries, ...(models.length > 0 ? { models } : {}), ...(apiKey !== undefined ? { apiKey } : {}) });
  }
  if (d.kind === 'routes') {
    const routesFile = config['routes'];
    if (typeof routesFile !== 'string') throw new PlannerConfigError(`thread '${threadId}': routes planner descriptor has no routes file`);
    const fallback = config['fallback'] !== undefined ? await plannerFromDescriptor({ kind: 'openai', config: config['fallback'] }, threadId, env) : undefined;
    return createRoutingPlanner(await loadRoutes(routesFile), fallback);
  }
  throw new PlannerConfigError(`thread '${threadId}': unknown planner kind '${d.kind}' (the CLI knows static, openai, routes)`);
}
