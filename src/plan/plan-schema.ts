/**
 * The plan file / planner plan format: a DAG of steps. Used by the static planner (JSON or YAML
 * files), the OpenAI planner's structured output, and the normalizer before anything runs.
 *
 * Output references: an input value that is exactly the string `"{{steps.<id>.output}}"` or
 * `"{{steps.<id>.output.<path>}}"` is replaced at run time by that upstream step's output (or the
 * value at the dotted `path`, array indices as numbers), keeping its JSON type. A reference inside a
 * longer string is interpolated as text. `<id>` must be an ancestor of the step (checked at plan time).
 *
 * Plans, steps, retry policies and budgets are strict: an unknown key is an error (with a "did you
 * mean" suggestion), never dropped. A step's `input` is free-form here; the action's own input
 * schema checks its keys (normalize.ts).
 */
import { McpServersMap } from './mcp-servers.ts';
import { z } from 'zod';
import { unknownKeysMessage } from './did-you-mean.ts';

/**
 * An object schema that refuses keys outside `shape` (zod's `unrecognized_keys` issue, at the
 * object's path) with the message of `unknownKeysMessage`: a misspelt `requireApproval` is an error
 * suggesting `requiresApproval`, never silently dropped.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? unknownKeysMessage(iss.keys, allowed) : undefined),
  });
}

/** Step ids: letters, digits, `_`, `-`, `.`; 1–64 characters. */
export const StepId = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'step id: 1–64 of [A-Za-z0-9_.-], not starting with . or -');

/** Retry policy of a step: exponential backoff `backoffMs * 2^(attempt-1)`, capped at `maxBackoffMs`. */
export const RetryPolicy = strictObject({
  /** Attempts in total, including the first (≥ 1). */
  maxAttempts: z.number().int().min(1).max(100).default(1),
  /** Delay before the 2nd attempt, ms. */
  backoffMs: z.number().int().min(0).default(100),
  /** Largest delay between attempts, ms. */
  maxBackoffMs: z.number().int().min(0).default(30_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** One step of a plan. */
export const StepSpec = strictObject({
  id: StepId,
  /** Registered action name, e.g. `fs.read`. */
  action: z.string().min(1),
  /** Action input; may contain output references (see module doc). */
  input: z.record(z.string(), z.unknown()).default({}),
  /** Ids of steps that must complete before this one starts. */
  dependsOn: z.array(StepId).default([]),
  /** Higher runs first among ready steps; FIFO (plan order) among equals. */
  priority: z.number().int().default(0),
  retry: RetryPolicy.optional(),
  /** Per-attempt timeout, ms. */
  timeoutMs: z.number().int().positive().optional(),
  /** Ask a human before running this step. */
  requiresApproval: z.boolean().optional(),
  /**
   * Pause point before the step (LangGraph's `interruptBefore`): when the step is about to start
   * (dependencies completed, approvals granted, a slot free), the runtime records
   * `Interrupted { kind: 'before_step', stepId }` instead of starting it; nothing new starts until
   * `resume`, then it starts. Once per step (not again before a retry). Plan files and the library
   * only: the OpenAI planner's wire format does not offer it.
   */
  interruptBefore: z.boolean().optional(),
  /**
   * Pause point after the step (LangGraph's `interruptAfter`): once it completed, the runtime
   * records `Interrupted { kind: 'after_step', stepId }` before any dependent (or PlanFinished) goes
   * on; `resume` continues. Not taken when the step fails or is cancelled. Plan files and the
   * library only, like `interruptBefore`.
   */
  interruptAfter: z.boolean().optional(),
  /** Overrides the action's own cost estimate, USD. */
  estimatedCostUsd: z.number().min(0).optional(),
  description: z.string().optional(),
});
export type StepSpec = z.infer<typeof StepSpec>;
export type StepSpecInput = z.input<typeof StepSpec>;

/** A budget: spend limit for a thread or a plan, USD. */
export const BudgetSpec = strictObject({
  limitUsd: z.number().min(0),
  /** Fraction of the limit at which a warning fact is recorded. */
  warnAt: z.number().min(0).max(1).default(0.9),
  /** What a step that would exceed the budget does: wait for a human (`approve`) or fail. */
  onExceed: z.enum(['approve', 'fail']).default('approve'),
});
export type BudgetSpec = z.infer<typeof BudgetSpec>;

/** The keys of a plan. */
const planShape = {
  title: z.string().optional(),
  steps: z.array(StepSpec).min(1),
  /** Steps running at once, ≥ 1. */
  maxConcurrency: z.number().int().min(1).max(1024).default(4),
  /**
   * `fail_fast` cancels the rest on a final failure; `continue` runs what does not depend on it.
   * Either way the plan finishes `failed` (PlanFinished) when a step failed for good.
   */
  failurePolicy: z.enum(['fail_fast', 'continue']).default('fail_fast'),
  budget: BudgetSpec.optional(),
  /** Ask a human before the whole plan starts. */
  requiresApproval: z.boolean().optional(),
  /** An approval not decided within this many ms is rejected. */
  approvalTimeoutMs: z.number().int().positive().optional(),
};

/** A plan: a DAG of steps plus execution settings. */
export const PlanSpec = strictObject(planShape);
export type PlanSpec = z.infer<typeof PlanSpec>;
export type PlanSpecInput = z.input<typeof PlanSpec>;

/**
 * A plan file: a plan plus `actions`, the action modules it needs (a path or a list of paths,
 * relative to the file), and `mcpServers`, the MCP servers it needs. Only plan files have these
 * keys; they never reach a planner or a fact.
 */
export const PlanFileSpec = strictObject({
  ...planShape,
  actions: z
    .union([z.string().min(1), z.array(z.string().min(1))], { error: 'expected a module path or a list of module paths' })
    .optional(),
  /** MCP servers whose tools the plan uses (`mcp__<server>__<tool>`), as in MCP client configs. */
  mcpServers: McpServersMap.optional(),
});
export type PlanFileSpec = z.infer<typeof PlanFileSpec>;
