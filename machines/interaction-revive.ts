/**
 * Reading an interaction's context back from JSON: a persisted snapshot holds its `observations` and
 * `settledSteps` as plain arrays (`AppendSeq.toJSON`), which the machine holds as AppendSeqs.
 */
import { AppendSeq } from '../src/core/append-seq.ts';

/**
 * An interaction context read back from JSON (a persisted snapshot, whose `observations` and
 * `settledSteps` are plain arrays, as `AppendSeq.toJSON` writes them) with those lists rebuilt as
 * AppendSeq; a context that already holds AppendSeqs is returned as is. O(items). Pure: `persisted`
 * is not modified.
 */
export function reviveInteractionContext(persisted: unknown): unknown {
  if (persisted === null || typeof persisted !== 'object') return persisted;
  const c = persisted as Record<string, unknown>;
  const seq = (v: unknown): unknown => (Array.isArray(v) ? AppendSeq.from(v) : v);
  if (!Array.isArray(c.observations) && !Array.isArray(c.settledSteps)) return persisted;
  return { ...c, observations: seq(c.observations), settledSteps: seq(c.settledSteps) };
}
