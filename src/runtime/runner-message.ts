/**
 * The messages of a thread runner's mailbox (`thread-runner.ts`): commands, and the results its
 * effects (`effects.ts`) post back. Its own module so the runner and its effects share it without
 * importing each other.
 */
import type { Draft } from './draft.ts';

/** A message of the mailbox: decides facts into the draft and receives the outcome. */
export interface RunnerMessage {
  /** Command id, used as correlation and causation id of the facts it decides (effects: their origin's). */
  correlationId?: string;
  causationId?: string;
  /** Adds facts to `draft` (or none) and returns the command's result; throws to refuse. */
  decide(draft: Draft): unknown;
  /** Fold in facts other processes appended before deciding the batch (the runtime's log follower sets it). */
  sync?: boolean;
  /** Receives the outcome once the batch is committed (or refused). */
  done?(outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void;
}
