/**
 * Injected id generation: event ids must be UUIDs (idempotent appends); the runtime gets them from
 * an IdGenerator so tests can make them deterministic.
 */
import { randomUUID } from 'node:crypto';

/** Produces UUIDs (RFC 9562 textual form). */
export interface IdGenerator {
  uuid(): string;
}

/** Random v4 UUIDs from node:crypto. */
export const randomIds: IdGenerator = { uuid: () => randomUUID() };

/**
 * Deterministic, sequential UUID-shaped ids: `00000000-0000-4000-8000-<seed><counter>` (hex).
 * @param seed a number in [0, 0xffff] distinguishing generators.
 */
export function sequentialIds(seed = 0): IdGenerator {
  let n = 0;
  const prefix = seed.toString(16).padStart(4, '0');
  return { uuid: () => `00000000-0000-4000-8000-${prefix}${(++n).toString(16).padStart(8, '0')}` };
}
