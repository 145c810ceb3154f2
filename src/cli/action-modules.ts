/**
 * User actions for the CLI: modules named with `--actions MODULE` (repeatable) or by the plan file's
 * top-level `actions:` key (a path or a list of paths, relative to the plan file).
 *
 * A module exports its actions as `default` or as `actions`: an array of actions (or one action),
 * each an `Action` as `defineAction` (src/actions/action.ts) builds it. JavaScript modules are
 * imported by Node; TypeScript modules (`.ts`, `.mts`, `.cts`, `.tsx`) through tsx's `tsImport`,
 * which is loaded only then (nothing of tsx loads for a CLI run without TypeScript modules). The absolute paths are recorded in the thread's planner
 * descriptor (`config.actions`), so `resume`, `approve`, `send` in a later process load them again.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Action } from '../index.ts';
import { builtinActions, createActionRegistry, sqliteStoreFiles, type ActionRegistry, type BuiltinActionOptions } from '../index.ts';
import { OrchestralError, hasErrorCode, parseStoreUrl } from '../base.ts';
import { envFsWriteAllow, envHttpAllow, envModel } from './env.ts';

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
    mod = (await importModule(path)) as Record<string, unknown>;
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

/**
 * TypeScript modules imported so far, by absolute path. `tsImport` evaluates a module anew on every
 * call (each call has its own loader namespace), so without this a worker would load a fresh copy
 * of a `.ts` actions module for every thread it runs, keeping each one: one import per process, as
 * Node's own module cache gives JavaScript modules. A failed import is forgotten (the next call retries).
 */
const tsModules = new Map<string, Promise<unknown>>();

/** Imports `path`: TypeScript through tsx's `tsImport` (loaded on first use, once per path), anything else through Node. */
async function importModule(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  if (!/\.(?:[mc]?ts|tsx)$/.test(path)) return import(url);
  let loading = tsModules.get(path);
  if (loading === undefined) {
    loading = import('tsx/esm/api').then(({ tsImport }) => tsImport(url, import.meta.url));
    tsModules.set(path, loading);
    loading.catch(() => tsModules.delete(path));
  }
  return loading;
}

/** Options of `buildActionRegistry`. */
export interface RegistryOptions {
  /** Absolute paths of user action modules, loaded in order after the built-ins. */
  modules: readonly string[];
  /**
   * Whether a model planned the thread (OpenAI planner) rather than a person (static plan file: the
   * plan file is the approval). Model-planned threads ask a human before every `shell.exec` and
   * before `fs.write` outside `ORCHESTRAL_FS_WRITE_ALLOW`.
   */
  modelPlanned: boolean;
  /** Absolute paths the fs actions refuse besides `.git`/`.hg`/`.svn`/`.orchestral` (the store's files; see `storeProtectedPaths`). */
  protectedPaths?: readonly string[];
  /** Timeout (ms per attempt) and retries of `llm.complete`'s requests (default: the client's). */
  llmClient?: { timeoutMs?: number; maxRetries?: number };
}

/**
 * Options of the built-ins from the environment:
 * - `ORCHESTRAL_HTTP_ALLOW`: comma-separated hosts `http.request` may call (`example.com`,
 *   `api.example.com:8443`, `*.example.com`); none by default (every request refused);
 * - `ORCHESTRAL_FS_WRITE_ALLOW`: comma-separated workspace paths and globs (`out/`, `docs/*.md`,
 *   `**\/*.txt`) a model-planned `fs.write` may write without approval; none by default (every
 *   model-planned write asks);
 * - `llm.complete` is registered when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set, with the model
 *   `ORCHESTRAL_MODEL` (default `gpt-4.1-mini`) and `llmClient`'s request timeout (ms) and retries.
 * `modelPlanned` (see RegistryOptions) turns on the approvals; `protectedPaths` go to the fs sandbox.
 * @throws UsageError a variable set to a value that does not parse (see env.ts).
 */
export function builtinOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  modelPlanned: boolean,
  protectedPaths: readonly string[] = [],
  llmClient: { timeoutMs?: number; maxRetries?: number } = {},
): BuiltinActionOptions {
  const model = envModel(env) ?? 'gpt-4.1-mini';
  const llm = env['OPENAI_API_KEY'] || env['OPENAI_BASE_URL'] ? { model, client: { ...llmClient } } : undefined;
  const fs = {
    ...(protectedPaths.length > 0 ? { protectedPaths } : {}),
    ...(modelPlanned ? { writeApproval: { allowed: envFsWriteAllow(env) ?? [] } } : {}),
  };
  return {
    shell: { requiresApproval: modelPlanned },
    http: { allowedHosts: envHttpAllow(env) ?? [] },
    ...(Object.keys(fs).length > 0 ? { fs } : {}),
    ...(llm ? { llm } : {}),
  };
}

/**
 * The paths of a store the fs actions must refuse: for a SQLite store (a store URL naming a SQLite
 * file, or a store object with a string `path`), its file, `-wal`/`-shm`/`-journal` files and its
 * directory (see `sqliteStoreFiles`); nothing for other stores (their data is not in the workspace).
 * @throws StoreOpenError for a store URL that does not parse.
 */
export function storeProtectedPaths(store: object | string, workspace: string): string[] {
  const file = typeof store === 'string' ? sqlitePathOf(store) : (store as { path?: unknown }).path;
  return typeof file === 'string' && file !== '' ? sqliteStoreFiles(file, workspace) : [];
}

/** The absolute SQLite file of a store URL, or undefined for other stores. */
function sqlitePathOf(url: string): string | undefined {
  const location = parseStoreUrl(url);
  return location.kind === 'sqlite' ? location.path : undefined;
}

/**
 * The registry the CLI runs with: the built-ins (configured by `builtinOptionsFromEnv`), then every
 * action of `modules`.
 * @throws ActionModuleError a module cannot be loaded; ActionRegistryError a malformed or duplicate action.
 */
export async function buildActionRegistry(options: RegistryOptions): Promise<ActionRegistry> {
  const registry = createActionRegistry(builtinActions(builtinOptionsFromEnv(process.env, options.modelPlanned, options.protectedPaths, options.llmClient)));
  for (const path of options.modules) for (const action of await loadActionModule(path)) registry.register(action);
  return registry;
}
