/**
 * Inspection of a thread from the server: its facts up to a revision, replayed through the machines
 * into a Stately inspector (`src/cli/inspector.ts`). The server pushes to a WebSocket inspector —
 * a Stately receiver or the bridge page of `orchestral inspect` / `@statelyai/inspect/server`
 * already running on the person's machine — and never starts the browser bridge itself: that bridge
 * listens on every interface without authentication, opens a browser on the machine it runs on,
 * and keeps only its last 200 events for a page that connects later.
 */
import { connectWsInspector, createInspectionReplay } from '../cli/inspector.ts';
import { readThreadFacts } from '../history/read.ts';
import type { EventStore } from '../store/event-store.ts';

/** What an inspection sent. */
export interface InspectionResult {
  facts: number;
  events: number;
}

/**
 * Replays `threadId`'s facts up to `toRevision` into the WebSocket inspector at `inspector`.
 * @throws InspectorConnectError the inspector does not answer; ThreadNotFoundError.
 */
export async function inspectThread(store: EventStore, threadId: string, o: { inspector: string; toRevision: bigint }): Promise<InspectionResult> {
  const facts = await readThreadFacts(store, threadId, o.toRevision);
  const ws = await connectWsInspector(o.inspector, 3000);
  try {
    const replay = createInspectionReplay(ws.sink, threadId);
    for (const f of facts) replay.apply(f);
    await ws.flush();
    return { facts: facts.length, events: replay.sent };
  } finally {
    ws.close();
  }
}
