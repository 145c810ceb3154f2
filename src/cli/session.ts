/**
 * A runtime for one CLI command: the store, the action registry (built-ins + the thread's action
 * modules), the planner rebuilt from the thread's descriptor, and the workspace.
 */
import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { ActionRegistry } from '../actions/registry.ts';
import type { Planner } from '../planner/planner.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import type { EventStore } from '../store/event-store.ts';
import { buildActionRegistry, resolveModulePaths } from './action-modules.ts';
import { UsageError } from './cli-errors.ts';
import { descriptorActions, descriptorWorkspace, plannerFromDescriptor, readThreadDescriptor, type PlannerDescriptor } from './planner-descriptor.ts';

/** A runtime plus what it was built with. */
export interface CliSession {
  runtime: Runtime;
  registry: ActionRegistry;
  workspace: string;
}

/**
 * Resolves `--workspace` (default: the working directory) to an absolute directory.
 * @throws UsageError when it is not an existing directory.
 */
export async function resolveWorkspace(dir: string | undefined): Promise<string> {
  const abs = resolve(dir ?? process.cwd());
  const s = await stat(abs).catch(() => undefined);
  if (!s?.isDirectory()) throw new UsageError(`--workspace: '${dir ?? abs}' is not a directory`);
  return abs;
}

/** Options of `createSession`. */
export interface SessionOptions {
  store: EventStore;
  workspace: string;
  /** The descriptor of the thread(s) this session drives (action modules and planner come from it). */
  descriptor: PlannerDescriptor | undefined;
  /** More action modules (`--actions`), resolved against the working directory. */
  extraModules?: readonly string[];
  /** A planner already built (run); otherwise built from each thread's descriptor. */
  planner?: Planner;
}

/**
 * Builds the registry and the runtime.
 * @throws ActionModuleError / ActionRegistryError for bad action modules.
 */
export async function createSession(o: SessionOptions): Promise<CliSession> {
  const modules = [...descriptorActions(o.descriptor), ...resolveModulePaths(o.extraModules ?? [], process.cwd())];
  const registry = await buildActionRegistry({
    modules: [...new Set(modules)],
    shellRequiresApproval: o.descriptor?.kind !== 'static',
  });
  const runtime = createRuntime({
    store: o.store,
    actions: registry,
    workspace: o.workspace,
    plannerFor: (view) => o.planner ?? plannerFromDescriptor(view.planner, view.threadId),
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
  o: { workspace?: string; extraModules?: readonly string[]; lazyPlanner?: boolean },
): Promise<CliSession> {
  const descriptor = await readThreadDescriptor(store, threadId);
  const workspace = await resolveWorkspace(o.workspace ?? descriptorWorkspace(descriptor));
  const planner = o.lazyPlanner ? undefined : plannerFromDescriptor(descriptor, threadId);
  return createSession({
    store,
    workspace,
    descriptor,
    ...(planner ? { planner } : {}),
    ...(o.extraModules ? { extraModules: o.extraModules } : {}),
  });
}
