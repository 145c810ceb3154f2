/**
 * A runtime for one CLI command: the store, the action registry (built-ins + the thread's action
 * modules), the planner rebuilt from the thread's descriptor, and the workspace.
 */
import type { ActionRegistry } from '../index.ts';
import type { Planner } from '../index.ts';
import { createRuntime, PlannerConfigError, type Runtime, type RuntimeOwnershipOptions } from '../index.ts';
import type { EventStore } from '../index.ts';
import type { LeaseStore } from '../index.ts';
import { buildActionRegistry, resolveModulePaths, storeProtectedPaths } from './action-modules.ts';
import { resolveWorkspace } from './workspace.ts';
import { registerSecret } from '../base.ts';
import { llmRequestSettings } from './planner-settings.ts';
import { descriptorActions, descriptorRequestSettings, descriptorWorkspace, plannerFromDescriptor, readThreadDescriptor, type PlannerDescriptor } from './planner-descriptor.ts';
import type { McpToolset } from '../actions/mcp/index.ts';
import { sessionMcp } from './mcp-setup.ts';

/** A runtime plus what it was built with. */
export interface CliSession {
  runtime: Runtime;
  registry: ActionRegistry;
  workspace: string;
}

/** Options of `createSession`. */
export interface SessionOptions {
  store: EventStore;
  workspace: string;
  /** The descriptor of the thread(s) this session drives (action modules and planner come from it). */
  descriptor: PlannerDescriptor | undefined;
  /** More action modules (`--actions`), resolved against the working directory. */
  extraModules?: readonly string[];
  /** The thread's planner; without one, a planning call fails (commands that never plan: cancel). */
  planner?: Planner;
  /** A registry built beforehand by `sessionActions` (e.g. to check a plan before the store opens). */
  registry?: ActionRegistry;
  /** The MCP servers behind `registry` (from `sessionActions`); stopped when the runtime closes. */
  mcp?: McpToolset;
  /** The store's leases (`openLeaseStore`); `ownership: 'append'` for commands that never run effects. */
  leases?: LeaseStore;
  ownership?: 'own' | 'append' | RuntimeOwnershipOptions;
}

/**
 * The action registry of a session: the built-ins, the descriptor's action modules, then `extraModules`
 * (resolved against the working directory). Touches no store, so a plan can be checked against it first.
 * `llm.complete` uses the request timeout and retries the descriptor records, else the environment's.
 * @throws ActionModuleError / ActionRegistryError for bad action modules; UsageError a bad `ORCHESTRAL_*` value.
 */
export async function sessionRegistry(
  descriptor: PlannerDescriptor | undefined,
  extraModules: readonly string[] = [],
  protectedPaths: readonly string[] = [],
  mcp?: McpToolset,
): Promise<ActionRegistry> {
  const modules = [...descriptorActions(descriptor), ...resolveModulePaths(extraModules, process.cwd())];
  const registry = await buildActionRegistry({
    modules: [...new Set(modules)],
    modelPlanned: modelPlans(descriptor),
    protectedPaths,
    llmClient: descriptorRequestSettings(descriptor, llmRequestSettings({})),
  });
  for (const action of mcp?.actions ?? []) registry.register(action);
  return registry;
}

/**
 * Whether a model may plan the thread: not for a plan file, nor for routes without a fallback
 * planner (every plan then comes from a file a person wrote); yes otherwise.
 */
export function modelPlans(descriptor: PlannerDescriptor | undefined): boolean {
  if (descriptor?.kind === 'static') return false;
  if (descriptor?.kind === 'routes') {
    const config = descriptor.config as { fallback?: unknown } | undefined;
    return config?.fallback !== undefined;
  }
  return true;
}

/**
 * The registry of a session with its MCP toolset (see `sessionMcp`: the servers the descriptor's
 * files declare, from its recorded tool list or listed now). The caller closes `mcp` (or hands it
 * to `createSession`, which closes it with the runtime).
 * @throws as `sessionRegistry` and `sessionMcp`.
 */
export async function sessionActions(
  descriptor: PlannerDescriptor | undefined,
  workspace: string,
  extraModules: readonly string[] = [],
  protectedPaths: readonly string[] = [],
): Promise<{ registry: ActionRegistry; mcp?: McpToolset }> {
  const mcp = await sessionMcp(descriptor, workspace, modelPlans(descriptor));
  try {
    return { registry: await sessionRegistry(descriptor, extraModules, protectedPaths, mcp), ...(mcp ? { mcp } : {}) };
  } catch (err) {
    await mcp?.close();
    throw err;
  }
}

/**
 * Builds the registry (unless given) and the runtime; registers `OPENAI_API_KEY` as a secret (never recorded).
 * @throws ActionModuleError / ActionRegistryError for bad action modules.
 */
export async function createSession(o: SessionOptions): Promise<CliSession> {
  registerSecret(process.env['OPENAI_API_KEY']);
  const built = o.registry ? { registry: o.registry, mcp: o.mcp } : await sessionActions(o.descriptor, o.workspace, o.extraModules, storeProtectedPaths(o.store, o.workspace));
  const { registry, mcp } = built;
  const created = createRuntime({
    store: o.store,
    actions: registry,
    workspace: o.workspace,
    ...(o.leases ? { leases: o.leases } : {}),
    ...(o.ownership ? { ownership: typeof o.ownership === 'string' ? { mode: o.ownership } : o.ownership } : {}),
    plannerFor: (view) => {
      if (o.planner) return o.planner;
      throw new PlannerConfigError(`thread '${view.threadId}': this command does not load the planner`);
    },
  });
  // MCP servers are shared by the thread's steps and stop with the run.
  const runtime: Runtime = mcp ? { ...created, close: () => created.close().finally(() => mcp.close()) } : created;
  return { runtime, registry, workspace: o.workspace };
}

/**
 * A session for an existing thread: reads its descriptor first (for its action modules and its
 * workspace, unless `workspace` is given), and
 * checks its planner can be rebuilt now (unless `lazyPlanner`), so a missing plan file or key fails
 * before anything runs.
 * @throws ThreadNotFoundError; PlannerConfigError; PlanFileError; ActionModuleError.
 */
export async function sessionForThread(
  store: EventStore,
  threadId: string,
  o: { workspace?: string; extraModules?: readonly string[]; lazyPlanner?: boolean; leases?: LeaseStore; ownership?: 'own' | 'append' | RuntimeOwnershipOptions },
): Promise<CliSession> {
  const descriptor = await readThreadDescriptor(store, threadId);
  const workspace = await resolveWorkspace(o.workspace ?? descriptorWorkspace(descriptor));
  const planner = o.lazyPlanner ? undefined : await plannerFromDescriptor(descriptor, threadId);
  return createSession({
    store,
    workspace,
    descriptor,
    ...(planner ? { planner } : {}),
    ...(o.extraModules ? { extraModules: o.extraModules } : {}),
    ...(o.leases ? { leases: o.leases } : {}),
    ...(o.ownership ? { ownership: o.ownership } : {}),
  });
}
