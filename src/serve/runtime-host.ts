/**
 * The runtime side of `orchestral serve`: a worker (`src/worker/`) that owns, through their leases,
 * the threads of the store that need an owner (so a thread opened, answered or approved over HTTP
 * continues here). The API's commands go to the worker's live runtime of a thread this process runs,
 * else to an append-only runtime kept per thread (`command-runtimes.ts`; like the CLI's `--no-wait`:
 * a command appends its facts and what follows from them without an effect, and whichever process
 * holds the thread's lease runs the effects).
 *
 * Posted plans are kept as files under `plansDir` (`<threadId>.json|yaml`), recorded in the
 * thread's static planner descriptor, so the worker, a later `orchestral resume` or another
 * server rebuild the same planner.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseStoreUrl } from '../store/open-event-store.ts';
import type { ActionRegistry } from '../actions/registry.ts';
import { systemClock } from '../core/clock.ts';
import { randomIds } from '../core/ids.ts';
import type { HolderIdentity, LeaseStore } from '../ownership/lease.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { InteractionDelta } from '../runtime/live-deltas.ts';
import type { PolicySpec } from '../facts/facts/thread-facts.ts';
import type { SendResult } from '../runtime/decide-input.ts';
import { ThreadExistsError } from '../runtime/command-errors.ts';
import { lastRevision } from '../history/read.ts';
import type { EventStore } from '../store/event-store.ts';
import { startWorker, type Worker } from '../worker/worker.ts';
import { buildActionRegistry, storeProtectedPaths } from '../cli/action-modules.ts';
import { createSession, sessionRegistry, sessionForThread } from '../cli/session.ts';
import { plannerFromDescriptor, readThreadDescriptor, type PlannerDescriptor } from '../cli/planner-descriptor.ts';
import { llmRequestSettings } from '../cli/planner-settings.ts';
import { withoutUserInfo } from '../core/url.ts';
import { envModel } from '../cli/env.ts';
import { createCommandRuntimes } from './command-runtimes.ts';
import { checkPostedPlan } from './plan-intake.ts';
import { ApiError } from './problem.ts';

/** Options of `startRuntimeHost`. */
export interface RuntimeHostOptions {
  store: EventStore;
  storeUrl: string;
  leases: LeaseStore;
  identity: HolderIdentity;
  /** Absolute workspace of threads opened over HTTP. */
  workspace: string;
  /** Absolute paths of the server's action modules (recorded in the threads it opens). */
  actionModules: string[];
  /** Where posted plans are kept (absolute). */
  plansDir: string;
  /** Threads run at once. Default 4. */
  concurrency?: number;
  /** The worker's fallback tick, ms. Default 500. */
  pollMs?: number;
  /** What the worker did (claimed, released, …), for the log. */
  onEvent?(line: string): void;
  /** Where commands run: `cached` (default, see `command-runtimes.ts`) or `per-command` (a new runtime reading the whole thread per command: the baseline). */
  commandRuntimes?: 'cached' | 'per-command';
}

/** What `POST /threads` asks for. */
export interface OpenRequest {
  plan?: unknown;
  /** The plan is YAML text (else JSON text or an object). */
  yaml?: boolean;
  intent?: string;
  model?: string;
  title?: string;
  threadId?: string;
  policy?: PolicySpec;
  by: string;
}

/** The runtime host. */
export interface RuntimeHost {
  worker: Worker;
  /** The server's registry (built-ins plus `actionModules`), which posted plans are checked against. */
  registry: ActionRegistry;
  /** Opens a thread for a posted plan or intent and records its first input. @throws ApiError 422 (plan), ThreadExistsError, PlannerConfigError. */
  open(request: OpenRequest): Promise<{ threadId: string; sent: SendResult }>;
  /** Runs `fn` with a runtime that has loaded `threadId` up to its last revision (see `command-runtimes.ts`). @throws ThreadNotFoundError. */
  withThread<T>(threadId: string, fn: (runtime: Runtime) => Promise<T>): Promise<T>;
  /**
   * Subscribes to the live text deltas (`Runtime.deltas$`) of `threadId` while this server's worker
   * runs it; returns the unsubscribe function. A thread run by a worker in another process has no
   * deltas here (they are never stored).
   */
  onDelta(threadId: string, fn: (delta: InteractionDelta) => void): () => void;
  /** How commands were routed: the worker's live runtime, a cached append-only one, a fresh one. */
  commandCounts(): { live: number; cached: number; fresh: number };
  /** Stops the worker (results already arrived are recorded, leases handed back) and closes the cached runtimes. */
  stop(): Promise<void>;
}

/** Starts the worker and returns the host (see the module doc). */
export async function startRuntimeHost(o: RuntimeHostOptions): Promise<RuntimeHost> {
  const protectedPaths = storeProtectedPaths(o.storeUrl, o.workspace);
  const registry = await sessionRegistry({ kind: 'static', config: { actions: o.actionModules } }, [], protectedPaths);
  const registries = new Map<string, Promise<ActionRegistry>>();
  const registryFor = (d: PlannerDescriptor | undefined): Promise<ActionRegistry> => {
    const key = JSON.stringify([d?.kind === 'static', (d?.config as { actions?: unknown } | undefined)?.actions ?? []]);
    let r = registries.get(key);
    if (!r) registries.set(key, (r = sessionRegistry(d, [], protectedPaths)));
    r.catch(() => registries.delete(key));
    return r;
  };
  /** The worker's runtimes, by the thread each runs. */
  const live = new Map<string, Runtime>();
  /** Live delta listeners, by thread. */
  const deltaListeners = new Map<string, Set<(delta: InteractionDelta) => void>>();
  const worker = startWorker({
    store: o.store,
    leases: o.leases,
    identity: o.identity,
    clock: systemClock,
    actions: await buildActionRegistry({ modules: [], modelPlanned: true }),
    concurrency: o.concurrency ?? 4,
    pollMs: o.pollMs ?? 500,
    runtimeFor: async (threadId) => {
      const runtime = (await sessionForThread(o.store, threadId, { leases: o.leases, ownership: { mode: 'own', identity: o.identity } })).runtime;
      live.set(threadId, runtime);
      const deltas = runtime.deltas$(threadId).subscribe((d) => {
        for (const fn of deltaListeners.get(threadId) ?? []) fn(d);
      });
      return {
        ...runtime,
        close: async () => {
          if (live.get(threadId) === runtime) live.delete(threadId);
          deltas.unsubscribe();
          await runtime.close();
        },
      };
    },
    onEvent: (e) => o.onEvent?.(`worker: ${e.type} ${e.threadId}${e.detail !== undefined ? ` (${e.detail})` : ''}`),
  });

  const appendRuntime = async (descriptor: PlannerDescriptor | undefined, workspace: string): Promise<Runtime> => {
    const session = await createSession({ store: o.store, workspace, descriptor, registry: await registryFor(descriptor), leases: o.leases, ownership: 'append' });
    return session.runtime;
  };

  const commands = createCommandRuntimes({
    store: o.store,
    liveRuntime: (threadId) => live.get(threadId),
    appendRuntime: async (threadId) => appendRuntime(await readThreadDescriptor(o.store, threadId), o.workspace),
    ...(o.commandRuntimes ? { mode: o.commandRuntimes } : {}),
  });

  const open = async (r: OpenRequest): Promise<{ threadId: string; sent: SendResult }> => {
    const threadId = r.threadId ?? randomIds.uuid();
    if ((await lastRevision(o.store, threadId)) !== undefined) throw new ThreadExistsError(threadId);
    const actions = o.actionModules.length ? { actions: o.actionModules } : {};
    let descriptor: PlannerDescriptor;
    let input: string;
    let title = r.title;
    if (r.plan !== undefined) {
      const posted = checkPostedPlan(r.plan, registry, r.yaml ?? false);
      await mkdir(o.plansDir, { recursive: true, mode: 0o700 });
      const file = join(o.plansDir, `${threadId}.${posted.ext}`);
      await writeFile(file, posted.text, { mode: 0o600 });
      descriptor = { kind: 'static', config: { file, workspace: o.workspace, ...actions } };
      input = `run posted plan ${posted.plan.title ?? threadId}`;
      title ??= posted.plan.title;
    } else if (r.intent !== undefined) {
      const model = r.model ?? envModel() ?? 'gpt-4.1-mini';
      const rawBase = process.env['OPENAI_BASE_URL'];
      const baseURL = rawBase && URL.canParse(rawBase) ? withoutUserInfo(rawBase) : undefined;
      const { timeoutMs, maxRetries } = llmRequestSettings({});
      const keyed = Boolean(process.env['OPENAI_API_KEY']?.trim());
      descriptor = { kind: 'openai', config: { model, workspace: o.workspace, ...(baseURL ? { baseURL } : {}), timeoutMs, maxRetries, ...(keyed ? { apiKeyEnv: 'OPENAI_API_KEY' } : {}), ...actions } };
      await plannerFromDescriptor(descriptor, threadId); // a missing key or endpoint is refused before anything is written
      input = r.intent;
    } else {
      throw new ApiError(422, 'INVALID_REQUEST', 'give a plan or an intent', { field: 'plan', issues: ['plan: required unless intent is given'] });
    }
    const runtime = await appendRuntime(descriptor, o.workspace);
    try {
      const opened = await runtime.openThread({
        threadId,
        planner: descriptor,
        input: { text: input, from: r.by },
        ...(title !== undefined ? { title } : {}),
        ...(r.policy !== undefined ? { policy: r.policy } : {}),
      });
      return { threadId, sent: opened.sent! };
    } finally {
      await runtime.close();
    }
  };

  return {
    worker,
    registry,
    open,
    withThread: (threadId, fn) => commands.withThread(threadId, fn),
    onDelta(threadId, fn) {
      let set = deltaListeners.get(threadId);
      if (!set) deltaListeners.set(threadId, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0 && deltaListeners.get(threadId) === set) deltaListeners.delete(threadId);
      };
    },
    commandCounts: () => commands.counts(),
    stop: async () => {
      await worker.stop();
      await commands.close();
    },
  };
}

/** The default directory of posted plans: `plans/` beside a SQLite store's file, else `.orchestral/plans`. */
export function defaultPlansDir(storeUrl: string): string {
  const location = parseStoreUrl(storeUrl);
  return location.kind === 'sqlite' ? resolve(dirname(location.path), 'plans') : resolve('.orchestral', 'plans');
}
