/**
 * Typed actions: what a plan step runs. An action declares zod schemas for its input and output,
 * whether it needs a human's approval, an optional cost estimate, and `run`.
 * User actions are registered exactly like the built-ins (see `registry.ts`).
 */
import type { z } from 'zod';

/** Progress an action reports while running; recorded as a `StepProgressed` fact. */
export interface ActionProgress {
  message: string;
  data?: unknown;
}

/**
 * LLM usage an action reports (`ActionContext.addUsage`): the model, tokens it was billed for
 * (counts), the requests sent (`calls`, retries and refused replies included; default 1) and their
 * cost, USD.
 */
export interface LlmUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  calls?: number;
  costUsd: number;
}

/** What `run` receives besides its input. */
export interface ActionContext {
  /** Aborted on cancel (interaction, thread), timeout, or fail_fast. Actions must stop promptly. */
  signal: AbortSignal;
  /** Stable across retries of the same step after a crash: `<threadId>/<interactionId>/<planId>/<stepId>/<attempt>`. */
  idempotencyKey: string;
  /** Absolute path of the workspace root; file and shell actions are confined to it. */
  workspace: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Reports progress (not state); cheap, may be called often. */
  emit(progress: ActionProgress): void;
  /** Adds to the step's actual cost, USD (a cost that is not LLM usage; for that, `addUsage`). */
  addCost(usd: number): void;
  /**
   * Records LLM usage of this attempt (summed per model into the step fact's `usage`) and adds its
   * `costUsd` to the step's cost — do not also `addCost` it. Report every request that cost tokens,
   * failed ones included. Throws on a negative or non-integer count, or a bad cost.
   */
  addUsage(usage: LlmUsage): void;
  /**
   * Hands a text piece of a streamed answer to the live interaction stream (not recorded: the
   * output is). Absent when nobody listens.
   */
  delta?(text: string): void;
}

/** A typed action. `Input`/`Output` are the parsed types of its schemas. */
export interface Action<Input = unknown, Output = unknown> {
  /** Unique, e.g. `fs.read`; lowercase letters, digits, `.`, `_`, `-`. */
  name: string;
  /** One or two sentences for humans and the planner prompt. */
  description: string;
  input: z.ZodType<Input>;
  /**
   * The JSON Schema the planner sees for the input, when `input` was built from one (MCP tools);
   * default: `input` converted to JSON Schema.
   */
  inputJsonSchema?: unknown;
  output: z.ZodType<Output>;
  /** Ask a human before every run of this action. */
  requiresApproval?: boolean;
  /**
   * Ask a human before this run when it returns a reason (a short sentence, shown with the approval);
   * undefined means no approval is needed for this input. Called by the scheduler with the input
   * parsed by `input` (output references resolved); must be pure and fast (no I/O).
   */
  approvalReason?(input: Input): string | undefined;
  /** Estimated cost of one run, USD, used to reserve budget before it runs. */
  estimateCost?(input: Input): number;
  /**
   * Runs the action. Resolves with the output (validated against `output` by the executor);
   * rejects with an Error on failure (an `ActionError` with `retryable: false` is never retried).
   */
  run(input: Input, ctx: ActionContext): Promise<Output>;
}

/** Declares an action with its types inferred from the schemas. */
export function defineAction<I extends z.ZodType, O extends z.ZodType>(action: {
  name: string;
  description: string;
  input: I;
  output: O;
  requiresApproval?: boolean;
  approvalReason?(input: z.output<I>): string | undefined;
  estimateCost?(input: z.output<I>): number;
  run(input: z.output<I>, ctx: ActionContext): Promise<z.input<O>>;
}): Action<z.output<I>, z.output<O>> {
  return action as unknown as Action<z.output<I>, z.output<O>>;
}
