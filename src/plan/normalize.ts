/**
 * The plan normalizer: parses a plan (from a file or a planner), applies defaults, and rejects it
 * before anything runs when it cannot work. Phases (each reports all its issues; a later phase runs
 * only when the earlier ones found nothing, since it relies on them):
 * 1. schema (`PlanSpec`): field paths like `steps[2].retry.maxAttempts`, and at most `maxSteps` steps;
 * 2. graph: duplicate step ids, unknown actions, dependencies on steps not in the plan, any-joins
 *    (`dependsOn: { any: [...] }`: no repeated id, each candidate in one any-join and depended on by
 *    nothing else; any-join-check.ts), then cycles (named, e.g. `a → b → c → a` following dependsOn);
 * 3. inputs: output references and the action input schemas (see `input-check.ts`).
 * Step inputs are kept as written (references are resolved and inputs parsed with the action's
 * schema at run time); duplicate entries in an array `dependsOn` are dropped.
 */
import { compileCanonicalCheck, copyPlain, type CanonicalCheck } from '../core/canonical-check.ts';
import { anyJoinIssues, dependencyField } from './any-join-check.ts';
import { dependencyIds } from './dependencies.ts';
import { PlanValidationError, type PlanIssue } from './errors.ts';
import { formatFieldPath } from './field-path.ts';
import { ancestorIndex, findCycle, type AncestorIndex } from './graph.ts';
import { checkStepInput, type ActionSignature } from './input-check.ts';
import { PlanSpec } from './plan-schema.ts';
import type { z } from 'zod';

/** The part of the action registry the normalizer uses. */
export interface ActionLookup {
  has(name: string): boolean;
  get(name: string): ActionSignature;
}

/** Options of `normalizePlan`. */
export interface NormalizeOptions {
  /** Most steps accepted. Default 20 000. */
  maxSteps?: number;
}

/** Default largest number of steps a plan may have (a scheduling cycle costs what changed, not the plan size; the bound is for the plan fact and its validation). */
export const DEFAULT_MAX_STEPS = 20_000;

function fail(issues: PlanIssue[]): never {
  throw new PlanValidationError(issues as [PlanIssue, ...PlanIssue[]]);
}

function rawStepId(input: unknown, index: unknown): string | undefined {
  if (typeof index !== 'number') return undefined;
  const steps = (input as { steps?: unknown } | null)?.steps;
  const id = Array.isArray(steps) ? (steps[index] as { id?: unknown } | null)?.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** PlanSpec's canonical check (src/core/canonical-check.ts), compiled on first use; `null`: PlanSpec does not compile. */
let planCheck: CanonicalCheck | null | undefined;

/**
 * `PlanSpec.safeParse(input)`, or, when `input` is already what zod would return (PlanSpec's
 * canonical check: a plan recorded by a PlannerResponded fact, which was parsed with PlanSpec when it
 * was validated), a copy of it (`copyPlain`): the same value, built without zod's per-node work.
 */
function parsePlan(input: unknown): { success: true; data: PlanSpec } | { success: false; error: z.ZodError } {
  if (planCheck === undefined) planCheck = compileCanonicalCheck(PlanSpec) ?? null;
  if (planCheck !== null && planCheck(input)) {
    try {
      return { success: true, data: copyPlain(input) as PlanSpec };
    } catch {
      // a getter that throws, a cycle under an `unknown`: left to zod
    }
  }
  return PlanSpec.safeParse(input);
}

/**
 * Parses and validates a plan.
 * @param input a plan as JSON-like data (`PlanSpecInput`) or an already parsed `PlanSpec`.
 * @param actions the registry (only `has`/`get` are used).
 * @returns the parsed plan with defaults applied (`maxConcurrency`, `failurePolicy`, step `input`,
 *   `dependsOn`, `priority`, retry and budget fields) and array `dependsOn` de-duplicated.
 * @throws PlanValidationError (code `PLAN_INVALID`) with `stepId`, `field`, `kind` of the first issue
 *   and every issue of the failing phase in `issues`; the message names each step and field.
 */
export function normalizePlan(input: unknown, actions: ActionLookup, options: NormalizeOptions = {}): PlanSpec {
  const parsed = parsePlan(input);
  if (!parsed.success) {
    fail(
      parsed.error.issues.map((iss) => {
        const stepId = iss.path[0] === 'steps' ? rawStepId(input, iss.path[1]) : undefined;
        return { kind: 'schema', field: formatFieldPath(iss.path) || '(plan)', message: iss.message, ...(stepId !== undefined ? { stepId } : {}) };
      }),
    );
  }
  const plan = parsed.data;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (plan.steps.length > maxSteps) {
    fail([{ kind: 'too_many_steps', field: 'steps', message: `${plan.steps.length} steps, more than the limit of ${maxSteps}` }]);
  }
  for (const s of plan.steps) if (Array.isArray(s.dependsOn)) s.dependsOn = [...new Set(s.dependsOn)];

  // Phase 2: graph.
  const issues: PlanIssue[] = [];
  const allIds = new Set(plan.steps.map((s) => s.id));
  const firstIndex = new Map<string, number>();
  plan.steps.forEach((s, i) => {
    const prev = firstIndex.get(s.id);
    if (prev !== undefined) {
      issues.push({ kind: 'duplicate_step', stepId: s.id, field: `steps[${i}].id`, message: `duplicate step id '${s.id}' (first used by steps[${prev}])` });
    } else firstIndex.set(s.id, i);
    if (!actions.has(s.action)) {
      issues.push({ kind: 'unknown_action', stepId: s.id, field: `steps[${i}].action`, message: `unknown action '${s.action}'` });
    }
    dependencyIds(s.dependsOn).forEach((d, j) => {
      if (!allIds.has(d)) {
        issues.push({ kind: 'missing_dependency', stepId: s.id, field: dependencyField(s, i, j), message: `depends on '${d}', which is not a step of this plan` });
      }
    });
  });
  issues.push(...anyJoinIssues(plan.steps));
  if (issues.length > 0) fail(issues);
  const cycle = findCycle(plan.steps);
  if (cycle) {
    const at = firstIndex.get(cycle[0]!)!;
    const j = dependencyIds(plan.steps[at]!.dependsOn).indexOf(cycle[1]!);
    fail([{ kind: 'cycle', stepId: cycle[0]!, field: dependencyField(plan.steps[at]!, at, j), message: `dependency cycle: ${cycle.join(' → ')}` }]);
  }

  // Phase 3: references and inputs.
  const actionOf = new Map(plan.steps.map((s) => [s.id, actions.get(s.action)]));
  let ancestry: AncestorIndex | undefined;
  const ctx = { actionOf, ancestors: () => (ancestry ??= ancestorIndex(plan.steps)), stepIds: allIds };
  plan.steps.forEach((s, i) => issues.push(...checkStepInput(s, i, actionOf.get(s.id)!, ctx)));
  if (issues.length > 0) fail(issues);
  return plan;
}
