/**
 * What one fact becomes on an SSE stream: exactly one message per fact, `id:` = the fact's global
 * position. On a thread's stream the event name is the interaction update the fact maps to
 * (`thought`, `content`, `tool_start`, `tool_end`, `done`, `error`; see
 * `src/projections/interaction-updates.ts`) or `state` for every other fact (a state change), and
 * the data holds the fact (type, revision, data) plus the update. On `/stream` (all threads) every
 * message is a `fact` event without the fact's data (thread, type, revision): clients fetch what
 * they show.
 *
 * A thread's stream also carries the live text deltas of streamed LLM answers while this server's
 * worker runs the thread: event `delta`, no `id:` (deltas are not stored and have no position, so a
 * reconnect resumes by facts alone), data = the `InteractionDelta` (`type` thought or content, text,
 * interaction, iteration or step).
 */
import { initialUpdateContext, interactionUpdatesOf, type InteractionUpdate, type UpdateContext } from '../projections/interaction-updates.ts';
import { recordedFactOf } from '../history/decode.ts';
import { threadIdOfStream } from '../history/stream.ts';
import type { RecordedEvent } from '../store/event-store.ts';
import type { InteractionDelta } from '../runtime/live-deltas.ts';

/** One SSE message (`id` absent for a live delta: it has no position, so it never moves Last-Event-ID). */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** JSON with bigints as numbers (positions and revisions stay below 2^53). */
export function jsonOf(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

/** The thread a stream belongs to (the stream name itself for a stream that is not a thread's). */
const threadOf = (streamId: string): string => threadIdOfStream(streamId) ?? streamId;

/** The `/stream` message of an event. */
export function logMessage(e: RecordedEvent): SseMessage {
  return {
    id: String(e.position),
    event: 'fact',
    data: jsonOf({ threadId: threadOf(e.streamId), type: e.type, revision: e.revision, position: e.position, recordedAt: e.metadata.recordedAt }),
  };
}

/** Maps a thread's facts to messages, keeping each interaction's update context (feed every fact from revision 0 in order). */
export function threadMessages(): { observe(e: RecordedEvent): void; message(e: RecordedEvent): SseMessage } {
  const contexts = new Map<string, UpdateContext>();
  const updates = new Map<bigint, InteractionUpdate>();
  return {
    observe(e) {
      const fact = recordedFactOf(e);
      const interactionId = (fact?.data as { interactionId?: unknown } | undefined)?.interactionId;
      if (!fact || typeof interactionId !== 'string') return;
      const result = interactionUpdatesOf(contexts.get(interactionId) ?? initialUpdateContext(interactionId), fact);
      contexts.set(interactionId, result.context);
      if (result.updates[0]) updates.set(e.position, result.updates[0]);
    },
    message(e) {
      const update = updates.get(e.position);
      updates.delete(e.position);
      const { position: _p, revision: _r, ...rest } = update ?? ({} as Partial<InteractionUpdate>);
      return {
        id: String(e.position),
        event: update?.type ?? 'state',
        data: jsonOf({
          threadId: threadOf(e.streamId),
          type: e.type,
          revision: e.revision,
          position: e.position,
          recordedAt: e.metadata.recordedAt,
          data: e.data,
          ...(update ? { update: rest } : {}),
        }),
      };
    },
  };
}

/** The message of a live text delta on a thread's stream (see the module doc). */
export function deltaMessage(d: InteractionDelta): SseMessage {
  return { event: 'delta', data: jsonOf(d) };
}
