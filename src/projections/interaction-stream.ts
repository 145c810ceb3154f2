/**
 * The live update stream of one interaction: an rxjs Observable of `InteractionUpdate`s (thought,
 * content, tool_start, tool_end, done, error — mapping in `interaction-updates.ts`) derived from the
 * facts of its thread stream, catching up on what is stored and then following new facts.
 *
 * Resuming: a client that got updates up to position P reconnects with `afterPosition: P` and
 * receives exactly the updates of facts after P — none missed, none repeated — because updates are
 * a pure function of the facts and the stream is re-read from revision 0 (to rebuild the step →
 * action context) with updates at or before P dropped.
 *
 * Live deltas: with `live` (e.g. `runtime.deltas$(threadId)`), the text pieces of the interaction's
 * streamed LLM answers are merged in as they arrive — `thought` (the planner's raw reply) and
 * `content` (`llm.complete`) updates with `kind: 'delta'` and `ephemeral: true`. They are NOT
 * stored: they carry no `position`/`revision` (resume with the last `position` of a stored update;
 * deltas never count for it), a reconnecting client does not get them again, replay never sees
 * them, and a crash mid-stream re-runs the call, whose pieces then arrive again from the start
 * (as do those of an HTTP retry). The final text and usage are recorded as facts and arrive as
 * stored updates (or inside `tool_end`'s output) after the deltas.
 *
 * Completion: after the terminal update (`done` / `error`), or at once when resuming after it. It
 * errors with what the store's subscription errors with (e.g. EventDecodeError, StoreClosedError),
 * and with the mapping's Error for a fact of the interaction whose `recordedAt` is unreadable.
 */
import { Observable } from '../core/rxjs.ts';
import type { EventStore } from '../store/event-store.ts';
import { initialUpdateContext, interactionUpdatesOf, isTerminalUpdate, type InteractionUpdate } from './interaction-updates.ts';
import { recordedFactOf } from '../history/decode.ts';
import { followHistory } from '../history/read.ts';
import type { InteractionDelta } from '../runtime/live-deltas.ts';

/** Which interaction to follow, and from where. */
export interface InteractionStreamOptions {
  /** The thread holding the interaction (stream `thread-<threadId>`). */
  threadId: string;
  interactionId: string;
  /** Deliver only updates of facts whose position is strictly greater (the last position received). Default: all. */
  afterPosition?: bigint;
  /** Live deltas to merge in (see the module docstring); pieces of other interactions are ignored. */
  live?: Observable<InteractionDelta>;
}

/** One item of the stream: a stored update, or a live (unstored) delta. */
export type InteractionStreamItem = InteractionUpdate | InteractionDelta;

/**
 * The updates of `interactionId` in `thread-<threadId>` (see the module docstring).
 * @returns a cold Observable: each subscriber reads the stream itself.
 */
export function interactionUpdates$(store: EventStore, options: InteractionStreamOptions & { live?: undefined }): Observable<InteractionUpdate>;
export function interactionUpdates$(store: EventStore, options: InteractionStreamOptions): Observable<InteractionStreamItem>;
export function interactionUpdates$(store: EventStore, options: InteractionStreamOptions): Observable<InteractionStreamItem> {
  const after = options.afterPosition ?? -1n;
  return new Observable<InteractionStreamItem>((subscriber) => {
    const live = options.live?.subscribe({
      next: (d) => {
        if (d.interactionId === options.interactionId) subscriber.next(d);
      },
    });
    let context = initialUpdateContext(options.interactionId);
    const subscription = followHistory(store, options.threadId, 0n).subscribe({
      next: (event) => {
        const fact = recordedFactOf(event);
        if (!fact) return;
        let result: ReturnType<typeof interactionUpdatesOf>;
        try {
          result = interactionUpdatesOf(context, fact);
        } catch (err) {
          subscriber.error(err);
          return;
        }
        context = result.context;
        for (const update of result.updates) {
          if (update.position > after) subscriber.next(update);
          if (isTerminalUpdate(update)) {
            subscriber.complete();
            return;
          }
        }
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      live?.unsubscribe();
      subscription.unsubscribe();
    };
  });
}
