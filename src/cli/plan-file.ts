/**
 * Plan files as the CLI reads them: the plan and its optional top-level `actions:` key (action
 * modules, relative to the plan file) from one parse (the static planner's `readPlanText`, with
 * line/column errors), and plan validation against the action registry with the failing field
 * located through the same parse's position map.
 */
import { dirname, resolve } from 'node:path';
import type { ActionRegistry } from '../index.ts';
import { isPlanValidationError, normalizePlan, PlanFileError, readPlanText, type TextPosition } from '../index.ts';
import type { PlanSpec } from '../index.ts';
import { resolveModulePaths } from './action-modules.ts';

/** A plan file read for `run`. */
export interface PlanFile {
  /** Absolute path. */
  file: string;
  plan: PlanSpec;
  /** Absolute paths of the modules its `actions:` key names. */
  actionModules: string[];
  /** Whether its `mcpServers:` key declares servers. */
  hasMcpServers: boolean;
  /** Line/column of a field path such as `['steps', 2, 'input']` (or of its nearest existing parent). */
  locate(path: readonly PropertyKey[]): TextPosition | undefined;
}

/**
 * Reads a plan file (once).
 * @throws PlanFileError unreadable, syntax error (`file:line:col`), too deep, alias bomb, schema
 *   error (unknown keys included), or an `actions:` key that is not a path or a list of paths.
 */
export async function readPlanFile(path: string): Promise<PlanFile> {
  const file = resolve(path);
  const parsed = await readPlanText(path);
  return {
    file,
    plan: parsed.plan,
    actionModules: resolveModulePaths(parsed.actionModules, dirname(file)),
    hasMcpServers: parsed.mcpServers !== undefined,
    locate: parsed.locate,
  };
}

/** `steps[2].input.url` → `['steps', 2, 'input', 'url']`. */
export function fieldPath(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/**
 * Checks the plan against the registry as the runtime will (unknown actions, bad inputs, cycles,
 * references) before a thread is opened.
 * @throws PlanFileError (`PLAN_FILE`, exit 64) `file:line:col: <issues>` naming step and field.
 */
export function validatePlanFile(pf: PlanFile, registry: ActionRegistry, displayPath: string): PlanSpec {
  try {
    return normalizePlan(pf.plan, registry);
  } catch (err) {
    if (!isPlanValidationError(err)) throw err;
    const pos = pf.locate(fieldPath(err.field));
    const where = pos ? `${displayPath}:${pos.line}:${pos.col}` : displayPath;
    throw new PlanFileError(pf.file, `${where}: ${err.message}`, err.issues.map((i) => i.message), pos?.line, pos?.col);
  }
}
