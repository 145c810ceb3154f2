/**
 * Text deltas of streamed LLM answers: the live, unstored part of an interaction's update stream.
 *
 * While the planner or an `llm.complete` step streams its answer, each text piece becomes an
 * `InteractionDelta` (`thought` for the planner's raw reply, `content` for `llm.complete`), published
 * on the runtime's live channel (`Runtime.deltas$`). Deltas are never stored: they have no store
 * position or revision (consumers tell them from stored updates by `ephemeral: true`, and resume
 * after the last `position` they received as before), replay never sees them, and a crash mid-stream
 * re-runs the call, whose pieces then arrive again from the start. Only the final text and usage
 * are recorded, in the facts that already held them (`PlannerResponded.raw`/`usage`,
 * `StepCompleted.output`/`usage`).
 */

/** One text piece of a streamed answer, for the live interaction stream (not a fact). */
export interface InteractionDelta {
  type: 'thought' | 'content';
  kind: 'delta';
  /** Always true: not stored, no `position`/`revision`. */
  ephemeral: true;
  threadId: string;
  interactionId: string;
  text: string;
  /** When the piece arrived, ms since epoch (runtime clock). */
  atMs: number;
  /** Planner deltas: the planning iteration. */
  iteration?: number;
  /** `llm.complete` deltas: the step and attempt. */
  planId?: string;
  stepId?: string;
  attempt?: number;
}

/**
 * Calls a delta sink's `end` (if any), swallowing what it throws: a failing live consumer must not
 * keep a planner answer or a step outcome from being recorded.
 */
export function endQuietly(end: (() => void) | undefined): void {
  try {
    end?.();
  } catch {
    // the live stream is best effort; the recorded facts carry the full text
  }
}
