/**
 * Plan files as the CLI reads them: the plan (via the static planner's `loadPlanFile`, with
 * line/column errors), the optional top-level `actions:` key (action modules, relative to the plan
 * file), and plan validation against the action registry with the failing field located in the file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { ActionRegistry } from '../actions/registry.ts';
import { isPlanValidationError } from '../plan/errors.ts';
import { normalizePlan } from '../plan/normalize.ts';
import type { PlanSpec } from '../plan/plan-schema.ts';
import { PlanFileError } from '../planner/errors.ts';
import { loadPlanFile } from '../planner/static-planner.ts';
import { resolveModulePaths } from './action-modules.ts';

/** A plan file read for `run`. */
export interface PlanFile {
  /** Absolute path. */
  file: string;
  plan: PlanSpec;
  /** Absolute paths of the modules its `actions:` key names. */
  actionModules: string[];
  text: string;
}

/**
 * Reads a plan file.
 * @throws PlanFileError unreadable, syntax error (`file:line:col`), schema error, or an `actions:`
 *   key that is not a path or a list of paths.
 */
export async function readPlanFile(path: string): Promise<PlanFile> {
  const file = resolve(path);
  const plan = await loadPlanFile(path);
  const text = await readFile(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const raw: unknown = doc.get('actions', true);
  let modules: string[] = [];
  if (raw !== undefined) {
    const value: unknown = isNode(raw) ? raw.toJSON() : raw;
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || !list.every((x): x is string => typeof x === 'string' && x.length > 0)) {
      const pos = isNode(raw) && raw.range ? lines.linePos(raw.range[0]) : undefined;
      const where = pos ? `${path}:${pos.line}:${pos.col}` : path;
      throw new PlanFileError(file, `${where}: actions: expected a module path or a list of module paths`, [], pos?.line, pos?.col);
    }
    modules = resolveModulePaths(list, dirname(file));
  }
  return { file, plan, actionModules: modules, text };
}

/** `steps[2].input.url` → `['steps', 2, 'input', 'url']`. */
export function fieldPath(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** 1-based line/column of `field` in the plan text (or of its nearest existing parent). */
export function locateField(text: string, field: string): { line: number; col: number } | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const path = fieldPath(field);
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return undefined;
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
    const pos = locateField(pf.text, err.field);
    const where = pos ? `${displayPath}:${pos.line}:${pos.col}` : displayPath;
    throw new PlanFileError(pf.file, `${where}: ${err.message}`, err.issues.map((i) => i.message), pos?.line, pos?.col);
  }
}
