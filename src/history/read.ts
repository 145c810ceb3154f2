/** Reading one thread's facts for the read-only commands (show, replay comparisons, inspect). */
import type { RecordedFact } from '../facts/fact-types.ts';
import { recordedFactOf } from '../projections/projector.ts';
import type { EventStore } from '../store/event-store.ts';
import { threadStreamId } from '../cli/args.ts';

/** The facts of `thread-<threadId>` up to `toRevision` (inclusive; default: all), unknown types passed over. */
export async function readThreadFacts(store: EventStore, threadId: string, toRevision?: bigint): Promise<RecordedFact[]> {
  const out: RecordedFact[] = [];
  for await (const e of store.readStream(threadStreamId(threadId), toRevision !== undefined ? { toRevision } : {})) {
    const f = recordedFactOf(e);
    if (f) out.push(f);
  }
  return out;
}
