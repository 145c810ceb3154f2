/**
 * The planner descriptor the CLI records in `ThreadOpened.planner`, and how a later process
 * rebuilds the planner from it (never with secrets: keys come from the environment):
 * - `{ kind: 'static', config: { file, actions? } }`: the plan file (absolute path), read again;
 * - `{ kind: 'openai', config: { model, baseURL?, actions? } }`: `OPENAI_API_KEY` /
 *   `OPENAI_BASE_URL` from the environment complete it.
 * `actions`: absolute paths of the user action modules the thread runs with (see action-modules.ts);
 * `workspace`: the absolute workspace the thread's actions run in (a later `resume` uses it unless
 * `--workspace` says otherwise).
 */
import { readFileSync } from 'node:fs';
import { createStaticPlanner, parsePlanText } from '../planner/static-planner.ts';
import { PlanFileError, PlannerConfigError } from '../planner/errors.ts';
import type { Planner } from '../planner/planner.ts';
import type { EventStore } from '../store/event-store.ts';
import { ThreadNotFoundError } from '../runtime/command-errors.ts';
import { threadStreamId } from './args.ts';

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
  baseURL?: string;
  actions?: string[];
  workspace?: string;
}

function configOf(d: PlannerDescriptor | undefined): Record<string, unknown> {
  return typeof d?.config === 'object' && d.config !== null ? (d.config as Record<string, unknown>) : {};
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
 * Reads a thread's planner descriptor from its first fact (`ThreadOpened`, also first in forks).
 * @returns undefined when the thread was opened without one.
 * @throws ThreadNotFoundError the thread has no fact.
 */
export async function readThreadDescriptor(store: EventStore, threadId: string): Promise<PlannerDescriptor | undefined> {
  const stream = threadStreamId(threadId);
  if ((await store.streamRevision(stream)) === undefined) throw new ThreadNotFoundError(threadId);
  for await (const e of store.readStream(stream, { maxCount: 1 })) {
    if (e.type !== 'ThreadOpened') return undefined;
    const planner = (e.data as { planner?: PlannerDescriptor }).planner;
    return planner;
  }
  return undefined;
}

/**
 * Builds the planner a descriptor names (the OpenAI SDK is imported only when needed).
 * @throws PlannerConfigError unknown kind, missing fields, no OpenAI key/base URL;
 *   PlanFileError the static plan file cannot be read or parsed any more.
 */
export async function plannerFromDescriptor(d: PlannerDescriptor | undefined, threadId: string): Promise<Planner> {
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
    return createStaticPlanner(parsePlanText(text, file), { source: file });
  }
  if (d.kind === 'openai') {
    const model = config['model'];
    if (typeof model !== 'string') throw new PlannerConfigError(`thread '${threadId}': openai planner descriptor has no model`);
    const baseURL = typeof config['baseURL'] === 'string' ? config['baseURL'] : undefined;
    const { createOpenAIPlanner } = await import('../planner/openai-planner.ts');
    return createOpenAIPlanner({ model, ...(baseURL !== undefined ? { baseURL } : {}) });
  }
  throw new PlannerConfigError(`thread '${threadId}': unknown planner kind '${d.kind}' (the CLI knows static, openai)`);
}
