/**
 * User actions for the CLI: modules named with `--actions MODULE` (repeatable) or by the plan file's
 * top-level `actions:` key (a path or a list of paths, relative to the plan file).
 *
 * A module exports its actions as `default` or as `actions`: an array of actions (or one action),
 * each an `Action` as `defineAction` (src/actions/action.ts) builds it. TypeScript modules load
 * directly (the CLI runs under tsx). The absolute paths are recorded in the thread's planner
 * descriptor (`config.actions`), so `resume`, `approve`, `send` in a later process load them again.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Action } from '../actions/action.ts';
import { builtinActions, type BuiltinActionOptions } from '../actions/builtins.ts';
import { createActionRegistry, type ActionRegistry } from '../actions/registry.ts';
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';

/** An actions module that cannot be loaded or does not export actions. Exit 64. */
export class ActionModuleError extends OrchestralError {
  static readonly code = 'ACTION_MODULE';
  constructor(
    readonly module: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(ActionModuleError.code, `actions module ${module}: ${detail}`, options);
  }
}
export const isActionModuleError = (e: unknown): e is ActionModuleError => hasErrorCode(e, ActionModuleError.code);

/** Absolute paths of `paths`, resolved against `base`, without duplicates (order kept). */
export function resolveModulePaths(paths: readonly string[], base: string): string[] {
  return [...new Set(paths.map((p) => (isAbsolute(p) ? p : resolve(base, p))))];
}

/**
 * Imports one actions module and returns its actions.
 * @throws ActionModuleError the file is missing, fails to load, or exports no array of actions.
 */
export async function loadActionModule(path: string): Promise<Action[]> {
  try {
    await access(path);
  } catch {
    throw new ActionModuleError(path, 'file not found');
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ActionModuleError(path, `cannot be loaded: ${(err as Error).message?.split('\n')[0] ?? String(err)}`, { cause: err });
  }
  const exported = mod['actions'] ?? mod['default'];
  const list = Array.isArray(exported) ? exported : exported !== undefined && exported !== null ? [exported] : [];
  if (list.length === 0) throw new ActionModuleError(path, 'exports no actions (export an array of actions as `default` or `actions`)');
  for (const [i, a] of list.entries()) {
    if (typeof a !== 'object' || a === null || typeof (a as Action).name !== 'string' || typeof (a as Action).run !== 'function') {
      throw new ActionModuleError(path, `export #${i} is not an action (an object with name, description, input, output, run)`);
    }
  }
  return list as Action[];
}

/** Options of `buildActionRegistry`. */
export interface RegistryOptions {
  /** Absolute paths of user action modules, loaded in order after the built-ins. */
  modules: readonly string[];
  /**
   * Whether `shell.exec` asks a human before every run. The CLI passes false for plans a person
   * wrote (static planner: the plan file is the approval) and true for planned ones (OpenAI).
   */
  shellRequiresApproval: boolean;
  /** Timeout (ms per attempt) and retries of `llm.complete`'s requests (default: the client's). */
  llmClient?: { timeoutMs?: number; maxRetries?: number };
}

/**
 * Options of the built-ins from the environment:
 * - `ORCHESTRAL_HTTP_ALLOW`: comma-separated hosts `http.request` may call (`example.com`,
 *   `api.example.com:8443`, `*.example.com`); none by default (every request refused);
 * - `llm.complete` is registered when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set, with the model
 *   `ORCHESTRAL_MODEL` (default `gpt-4.1-mini`) and `llmClient`'s request timeout (ms) and retries.
 */
export function builtinOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  shellRequiresApproval: boolean,
  llmClient: { timeoutMs?: number; maxRetries?: number } = {},
): BuiltinActionOptions {
  const hosts = (env['ORCHESTRAL_HTTP_ALLOW'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const llm = env['OPENAI_API_KEY'] || env['OPENAI_BASE_URL'] ? { model: env['ORCHESTRAL_MODEL'] || 'gpt-4.1-mini', client: { ...llmClient } } : undefined;
  return { shell: { requiresApproval: shellRequiresApproval }, http: { allowedHosts: hosts }, ...(llm ? { llm } : {}) };
}

/**
 * The registry the CLI runs with: the built-ins (configured by `builtinOptionsFromEnv`), then every
 * action of `modules`.
 * @throws ActionModuleError a module cannot be loaded; ActionRegistryError a malformed or duplicate action.
 */
export async function buildActionRegistry(options: RegistryOptions): Promise<ActionRegistry> {
  const registry = createActionRegistry(builtinActions(builtinOptionsFromEnv(process.env, options.shellRequiresApproval, options.llmClient)));
  for (const path of options.modules) for (const action of await loadActionModule(path)) registry.register(action);
  return registry;
}
