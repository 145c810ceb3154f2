/**
 * Renders zod issues as `path: message` lines with JavaScript-like paths
 * (`steps[2].retry.maxAttempts: Too small: expected number to be >=1`), for plan files and
 * planner repair prompts.
 */
import type { z } from 'zod';

/** A path as `a.b[2].c`; keys that are not identifiers are quoted (`input["x-y"]`); the empty path is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * One line per issue: `path: message`. When `input` is given and a path starts with `steps[i]` whose `id` is a string, the step id is
 * named: `steps[2] (id 'fetch').retry.maxAttempts: ...`.
 */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], input?: unknown): string[] {
  return issues.map((issue) => `${describePath(issue.path, input)}: ${issue.message}`);
}

function describePath(path: readonly PropertyKey[], input: unknown): string {
  const stepsAt = path.indexOf('steps');
  const index = path[stepsAt + 1];
  if (stepsAt < 0 || typeof index !== 'number') return formatPath(path);
  const steps = valueAt(input, path.slice(0, stepsAt + 1));
  const id = Array.isArray(steps) ? (steps[index] as { id?: unknown } | undefined)?.id : undefined;
  if (typeof id !== 'string') return formatPath(path);
  const head = formatPath(path.slice(0, stepsAt + 2));
  const tail = formatPath(path.slice(stepsAt + 2));
  return `${head} (id '${id}')${tail === '(root)' ? '' : tail.startsWith('[') ? tail : `.${tail}`}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
