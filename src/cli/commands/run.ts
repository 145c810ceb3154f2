/**
 * `orchestral run <plan> | --intent "…"`: opens a thread (or uses `--thread`), sends the input, and
 * follows the run in the foreground until it settles (see drive.ts for output and exit codes).
 *
 * Plan files run with the static planner; the plan is checked against the registered actions before
 * the thread is opened (errors: `file:line:col`). `--intent` uses the OpenAI planner
 * (`OPENAI_API_KEY` and/or `OPENAI_BASE_URL`; model `--model`, `$ORCHESTRAL_MODEL`, default
 * `gpt-4.1-mini`; request timeout and retries `--planner-timeout` / `--planner-retries`, see
 * planner-settings.ts; `--fallback-model model[=baseURL]`, repeatable: candidates tried in order
 * when the model is unavailable, see src/llm/fallback.ts). The planner descriptor recorded in
 * ThreadOpened lets later commands rebuild it.
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { createPlanner, withoutUserInfo as stripUserInfo } from '../../index.ts';
import type { Prepared } from '../run-prepared.ts';
import type { Planner } from '../../index.ts';
import { isThreadNotFoundError } from '../../base.ts';
import { UsageError } from '../cli-errors.ts';
import { whoAmI, type ContextHolder } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { readPlanFile, validatePlanFile } from '../plan-file.ts';
import { checkPlanFileSize } from '../plan-size.ts';
import { resolveModulePaths } from '../action-modules.ts';
import { resolveMcpFiles } from '../mcp-setup.ts';
import type { ActionRegistry } from '../../index.ts';
import { readThreadDescriptor, samePlanner, type OpenAIPlannerConfig } from '../planner-descriptor.ts';
import { llmRequestSettings, RETRIES_ENV, TIMEOUT_ENV } from '../planner-settings.ts';
import { resolveWorkspace } from '../workspace.ts';
import { withLeases } from '../leases.ts';
import { withStore } from '../store.ts';
import { parsePort } from '../args.ts';
import { envModel } from '../env.ts';
import type { LiveInspection } from '../live-inspect.ts';
import type { PolicySpec } from '../../index.ts';
import type { SendResult } from '../../index.ts';

/** Options of `run`. */
export interface RunOptions {
  intent?: string;
  model?: string;
  baseUrl?: string;
  plannerTimeout?: string;
  plannerRetries?: string;
  fallbackModel?: string[];
  thread?: string;
  title?: string;
  workspace?: string;
  actions?: string[];
  mcp?: string[];
  routes?: string;
  json: boolean;
  prompt: boolean;
  inspect: boolean;
  inspectUrl?: string;
  inspectPort?: string;
  policy?: string;
}

/**
 * Parses `--policy`: `enqueue` (default), `reject`, `interrupt`, `steer`, `parallel:N`.
 * @throws UsageError for anything else.
 */
export function parsePolicy(value: string | undefined): PolicySpec | undefined {
  if (value === undefined) return undefined;
  if (value === 'enqueue' || value === 'reject' || value === 'interrupt' || value === 'steer') return { kind: value };
  const m = /^parallel:(\d{1,4})$/.exec(value);
  if (m && Number(m[1]) >= 1) return { kind: 'parallel', max: Number(m[1]) };
  throw new UsageError(`--policy: expected enqueue, reject, interrupt, steer or parallel:N, got '${value}'`);
}


/** Removes user info from a URL before it is recorded. @throws UsageError when it is not a URL. */
function withoutUserInfo(url: string): string {
  if (!URL.canParse(url)) throw new UsageError(`--base-url: '${url}' is not a URL`);
  return stripUserInfo(url);
}

async function prepare(planPath: string | undefined, o: RunOptions, workspace: string): Promise<Prepared & { registryCheck?: (r: ActionRegistry) => void }> {
  const extra = resolveModulePaths(o.actions ?? [], process.cwd());
  if (planPath !== undefined && o.intent !== undefined) throw new UsageError('run: give a plan file or --intent, not both');
  if (planPath !== undefined && o.routes !== undefined) throw new UsageError('run: give a plan file or --routes, not both');
  if (planPath === undefined && o.intent === undefined && o.routes === undefined) throw new UsageError('run: give a plan file (run plan.yaml), --intent "what to do" or --routes routes.yaml');
  if (planPath !== undefined && (o.plannerTimeout !== undefined || o.plannerRetries !== undefined)) {
    throw new UsageError(`run: ${o.plannerTimeout !== undefined ? '--planner-timeout' : '--planner-retries'} is for --intent (the OpenAI planner); llm.complete steps read ${TIMEOUT_ENV} / ${RETRIES_ENV}`);
  }
  if (planPath !== undefined && o.fallbackModel !== undefined) throw new UsageError('run: --fallback-model is for --intent (the OpenAI planner)');
  const mcpConfigs = resolveMcpFiles(o.mcp);
  const mcpOf = (plans: string[]) => (mcpConfigs.length + plans.length > 0 ? { mcp: { configs: mcpConfigs, plans } } : {});
  if (planPath !== undefined) {
    const pf = await readPlanFile(planPath);
    const modules = [...new Set([...pf.actionModules, ...extra])];
    const title = o.title ?? pf.plan.title;
    return {
      descriptor: { kind: 'static', config: { file: pf.file, workspace, ...(modules.length ? { actions: modules } : {}), ...mcpOf(pf.hasMcpServers ? [pf.file] : []) } },
      planner: await createPlanner({ kind: 'static', plan: pf.plan, source: pf.file }),
      input: `run plan ${relative(process.cwd(), pf.file) || pf.file}`,
      ...(title !== undefined ? { title } : {}),
      modules,
      registryCheck: (registry) => checkPlanFileSize(pf, validatePlanFile(pf, registry, planPath), planPath),
    };
  }
  const openai = async (): Promise<{ planner: Planner; config: OpenAIPlannerConfig }> => {
    const model = o.model ?? envModel() ?? 'gpt-4.1-mini';
    const rawBase = o.baseUrl ?? process.env['OPENAI_BASE_URL'];
    const baseURL = rawBase !== undefined && rawBase !== '' ? withoutUserInfo(rawBase) : undefined;
    const { timeoutMs, maxRetries } = llmRequestSettings({ timeout: o.plannerTimeout, retries: o.plannerRetries });
    const keyed = Boolean(process.env['OPENAI_API_KEY']?.trim());
    const models = (o.fallbackModel ?? []).map(parseFallbackModel);
    const planner = await createPlanner({ kind: 'openai', model, timeoutMs, maxRetries, ...(models.length ? { models } : {}), ...(rawBase ? { baseURL: rawBase } : {}) });
    const config: OpenAIPlannerConfig = {
      model,
      ...(models.length ? { models: models.map((c) => ({ model: c.model, ...(c.baseURL !== undefined ? { baseURL: stripUserInfo(c.baseURL) } : {}) })) } : {}),
      workspace,
      ...(baseURL ? { baseURL } : {}),
      timeoutMs,
      maxRetries,
      ...(keyed ? { apiKeyEnv: 'OPENAI_API_KEY' as const } : {}),
      ...(extra.length ? { actions: extra } : {}),
      ...mcpOf([]),
    };
    return { planner, config };
  };
  if (o.routes !== undefined) {
    const configured = Boolean(process.env['OPENAI_API_KEY']?.trim() || o.baseUrl || process.env['OPENAI_BASE_URL']);
    const { prepareRoutes } = await import('../routes-run.ts');
    return prepareRoutes({ file: o.routes, intent: o.intent, title: o.title, workspace, extra, mcpConfigs, fallback: configured ? openai : undefined });
  }
  const { planner, config } = await openai();
  return {
    descriptor: { kind: 'openai', config },
    planner,
    input: o.intent!,
    ...(o.title !== undefined ? { title: o.title } : {}),
    modules: extra,
  };
}

/**
 * Parses a `--fallback-model` value: `model` (at the planner's endpoint) or `model=baseURL`.
 * @throws UsageError an empty model or a base URL that does not parse.
 */
export function parseFallbackModel(value: string): { model: string; baseURL?: string } {
  const at = value.indexOf('=');
  const model = (at < 0 ? value : value.slice(0, at)).trim();
  const baseURL = at < 0 ? undefined : value.slice(at + 1).trim();
  if (model === '' || (baseURL !== undefined && !URL.canParse(baseURL))) {
    throw new UsageError(`--fallback-model: expected model or model=baseURL (e.g. llama3.1=http://127.0.0.1:11434/v1), got '${value}'`);
  }
  return { model, ...(baseURL !== undefined ? { baseURL } : {}) };
}

/** The `run` command. */
export async function runCommand(holder: ContextHolder, cmd: Command, planPath: string | undefined): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<RunOptions>();
  const workspace = await resolveWorkspace(o.workspace);
  const inspectPort = parsePort(o.inspectPort, '--inspect-port', 8080);
  const policy = parsePolicy(o.policy);
  const p = await prepare(planPath, o, workspace);
  const [{ createSession, sessionActions }, { driveThread }, { storeProtectedPaths }] = await Promise.all([
    import('../session.ts'),
    import('../drive.ts'),
    import('../action-modules.ts'),
  ]);
  // The plan is checked against the registry before the store is opened: a refused plan creates nothing.
  const { registry, mcp } = await sessionActions(p.descriptor, workspace, [], storeProtectedPaths(storeUrl, workspace));
  let handedOver = false;
  try {
    p.registryCheck?.(registry);
    // The thread records the tool list, so later processes start a server only to call it.
    if (mcp) (p.descriptor.config as { mcp: { tools?: unknown } }).mcp.tools = mcp.tools;
    return await withStore(storeUrl, async (store) => withLeases(storeUrl, async (leases) => {
      let threadId = o.thread;
      let existing = false;
      if (threadId !== undefined) {
        const d = await readThreadDescriptor(store, threadId).then(
          (x) => ({ found: true, d: x }),
          (err: unknown) => {
            if (isThreadNotFoundError(err)) return { found: false, d: undefined };
            throw err;
          },
        );
        if (d.found) {
          const same = samePlanner(d.d, p.descriptor);
          if (!same) throw new UsageError(`--thread ${threadId}: the thread exists and runs another planner; use 'orchestral send ${threadId} "…"'`);
          existing = true;
        }
      }
      const session = await createSession({ store, workspace, descriptor: p.descriptor, planner: p.planner, registry, ...(mcp ? { mcp } : {}), leases });
      handedOver = true;
      const { runtime } = session;
      let inspection: LiveInspection | undefined;
      try {
        const input = p.input !== undefined ? { text: p.input, from: whoAmI(undefined) } : undefined;
        let sent: SendResult | undefined;
        let fromRevision = 0n;
        if (existing) {
          await runtime.load(threadId!);
          fromRevision = runtime.state(threadId!).revision + 1n;
        } else {
          // ThreadOpened and the first input in one append: a kill in between cannot leave an idle thread.
          const opened = await runtime.openThread({
            ...(threadId !== undefined ? { threadId } : {}),
            ...(p.title !== undefined ? { title: p.title } : {}),
            ...(policy !== undefined ? { policy } : {}),
            planner: p.descriptor,
            ...(input ? { input } : {}),
          });
          threadId = opened.threadId;
          sent = opened.sent;
        }
        const tid = threadId!;
        if (!o.json) io.out(`${io.color.bold('thread')} ${tid}${existing ? ' (existing)' : ''} · store ${storeUrl} · workspace ${workspace}`);
        if (input === undefined) {
          // routes without an intent: the thread waits for events
          if (!o.json) io.out(`waiting for events: orchestral emit ${tid} <type> [--data JSON]`);
          return EXIT.ok;
        }
        if (o.inspect || o.inspectUrl !== undefined) {
          const { startLiveInspection } = await import('../live-inspect.ts');
          inspection = await startLiveInspection(runtime, tid, { ...(o.inspectUrl !== undefined ? { url: o.inspectUrl } : {}), port: inspectPort }, io);
        }
        sent ??= await runtime.send(tid, input.text, { from: input.from });
        if (sent.decision === 'reject') {
          io.err(`orchestral: input rejected by the thread's policy: ${sent.reason}`);
          return EXIT.rejected;
        }
        const result = await driveThread(session, store, io, {
          threadId: tid,
          ...(sent.interactionId !== undefined && sent.decision !== 'steer' ? { interactionIds: [sent.interactionId] } : {}),
          json: o.json,
          prompt: o.prompt,
          by: whoAmI(undefined),
          storeUrl,
          fromRevision,
        });
        return result.exitCode;
      } finally {
        await inspection?.stop();
        await runtime.close();
      }
    }), { create: true });
  } finally {
    if (!handedOver) await mcp?.close();
  }
}
