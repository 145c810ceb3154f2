/**
 * Errors of plan validation (before anything runs) and of output-reference resolution (at run time).
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';

/** What kind of problem a plan issue is. */
export type PlanIssueKind =
  | 'schema'
  | 'too_many_steps'
  | 'unknown_action'
  | 'duplicate_step'
  | 'missing_dependency'
  | 'cycle'
  | 'any_join'
  | 'invalid_input'
  | 'bad_reference';

/** One problem found in a plan. `field` is a path from the plan root, e.g. `steps[2].retry.maxAttempts`. */
export interface PlanIssue {
  kind: PlanIssueKind;
  /** The step concerned, when the problem is in a step (and its id is known). */
  stepId?: string;
  field: string;
  message: string;
}

/** Renders an issue: `step 'fetch' (steps[2].input.url): expected string`. */
export function formatPlanIssue(i: PlanIssue): string {
  const where = i.stepId !== undefined ? `step '${i.stepId}' (${i.field})` : i.field || 'plan';
  return `${where}: ${i.message}`;
}

/**
 * A plan was rejected before running. `stepId`/`field`/`kind` are those of the first issue; `issues`
 * lists every issue found in the validation phase that failed (schema, then graph, then references
 * and inputs), so a planner can repair them all at once. The message names them (up to 10).
 */
export class PlanValidationError extends OrchestralError {
  static readonly code = 'PLAN_INVALID';
  readonly stepId: string | undefined;
  readonly field: string;
  readonly kind: PlanIssueKind;
  readonly issues: readonly PlanIssue[];
  constructor(issues: readonly [PlanIssue, ...PlanIssue[]]) {
    const [first] = issues;
    const shown = issues.slice(0, 10).map(formatPlanIssue);
    const more = issues.length > 10 ? `; and ${issues.length - 10} more` : '';
    super(PlanValidationError.code, `invalid plan: ${shown.join('; ')}${more}`);
    this.stepId = first.stepId;
    this.field = first.field;
    this.kind = first.kind;
    this.issues = issues;
  }
}
/** True when `e` is a `PlanValidationError` (by its code, so it holds across package copies). */
export const isPlanValidationError = (e: unknown): e is PlanValidationError => hasErrorCode(e, PlanValidationError.code);

/**
 * An output reference could not be resolved at run time: the step has no recorded output, or the
 * path does not exist in it. Code `INPUT_REFERENCE` (the executor fails the step finally with it).
 */
export class ReferenceResolutionError extends OrchestralError {
  static readonly code = 'INPUT_REFERENCE';
  constructor(
    /** The referencing step, when the caller said. */
    readonly stepId: string | undefined,
    /** Where in the input, e.g. `input.url`. */
    readonly field: string,
    /** The reference text, e.g. `{{steps.fetch.output.items.3}}`. */
    readonly ref: string,
    reason: string,
  ) {
    super(ReferenceResolutionError.code, `${stepId !== undefined ? `step '${stepId}' ` : ''}${field}: cannot resolve ${ref}: ${reason}`);
  }
}
export const isReferenceResolutionError = (e: unknown): e is ReferenceResolutionError =>
  hasErrorCode(e, ReferenceResolutionError.code);
