/**
 * A runtime for one CLI command: the store, the action registry (built-ins + the thread's action
 * modules), the planner rebuilt from the thread's descriptor, and the workspace.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { Planner } from '../planner/planner.ts';
import { createRuntime, type Runtime, type RuntimeOwnershipOptions } from '../runtime/runtime.ts';
import type { EventStore } from '../store/event-store.ts';
import type { LeaseStore } from '../ownership/lease.ts';
import { buildActionRegistry, resolveModulePaths, storeProtectedPaths } from './action-modules.ts';
import { resolveWorkspace } from './workspace.ts';
import { PlannerConfigError } from '../planner/errors.ts';
import { registerSecret } from '../core/redact.ts';
import { llmRequestSettings } from './planner-settings.ts';
import { descriptorActions, descriptorRequestSettings, descriptorWorkspace, plannerFromDescriptor, readThreadDescriptor, type PlannerDescriptor } from './planner-descriptor.ts';

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
  /** A registry built beforehand by `sessionRegistry` (e.g. to check a plan before the store opens). */
  registry?: ActionRegistry;
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
): Promise<ActionRegistry> {
  const modules = [...descriptorActions(descriptor), ...resolveModulePaths(extraModules, process.cwd())];
  return buildActionRegistry({
    modules: [...new Set(modules)],
    modelPlanned: descriptor?.kind !== 'static',
    protectedPaths,
    llmClient: descriptorRequestSettings(descriptor, llmRequestSettings({})),
  });
}

/**
 * Builds the registry (unless given) and the runtime; registers `OPENAI_API_KEY` as a secret (never recorded).
 * @throws ActionModuleError / ActionRegistryError for bad action modules.
 */
export async function createSession(o: SessionOptions): Promise<CliSession> {
  registerSecret(process.env['OPENAI_API_KEY']);
  const registry = o.registry ?? (await sessionRegistry(o.descriptor, o.extraModules, storeProtectedPaths(o.store, o.workspace)));
  const runtime = createRuntime({
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
