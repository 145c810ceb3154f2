/**
 * Reading the envelope of a recorded fact the way every projection does: which thread it belongs
 * to (from the stream name), when it was recorded (ms), and its revision/position as numbers.
 */
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import { threadIdOfStream } from '../../src/history/stream.ts';

/**
 * The thread id of a fact's stream (`thread-abc` → `abc`, see `threadIdOfStream`), or `undefined`
 * when the stream is not a thread stream (projections ignore such facts). The stream name is the
 * authority, not the payload: a forked thread's stream holds copies of its parent's facts, whose
 * payloads name the parent.
 */
export function threadIdOf(fact: RecordedFact): string | undefined {
  return threadIdOfStream(fact.streamId);
}

/**
 * `metadata.recordedAt` (ISO-8601) as ms since the epoch.
 * @throws Error when it is missing or not a parseable date (the projector names the fact).
 */
export function recordedAtMs(fact: RecordedFact): number {
  const ms = Date.parse(fact.metadata.recordedAt);
  if (!Number.isFinite(ms)) throw new Error(`metadata.recordedAt: not an ISO-8601 time: ${JSON.stringify(fact.metadata.recordedAt)}`);
  return ms;
}

/** The fact's stream revision as a number (exact below 2^53). */
export const revisionOf = (fact: RecordedFact): number => Number(fact.revision);
/** The fact's global position as a number (exact below 2^53). */
export const positionOf = (fact: RecordedFact): number => Number(fact.position);
