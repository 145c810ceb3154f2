/**
 * Inspection of a thread from the server: its facts up to a revision, replayed through the machines
 * into a Stately inspector (`inspectThread` of orchestral/inspect). The server pushes to a WebSocket
 * inspector — a Stately receiver or the bridge page of `orchestral inspect` /
 * `@statelyai/inspect/server` already running on the person's machine — and never starts the browser
 * bridge itself: that bridge listens on every interface without authentication, opens a browser on
 * the machine it runs on, and keeps only its last 200 events for a page that connects later.
 */
import { connectWsInspector, inspectThread as replayIntoInspector } from '../inspect/index.ts';
import type { EventStore } from '../store/event-store.ts';

/** What an inspection sent. */
export interface InspectionResult {
  facts: number;
  events: number;
}

/**
 * Replays `threadId`'s facts up to `toRevision` into the WebSocket inspector at `inspector` (a
 * `ws://` URL), waiting until everything sent has left the socket.
 * @throws InspectorConnectError the inspector does not answer within 3 s; StreamNotFoundError the
 *   thread has no fact.
 */
export async function inspectThread(store: EventStore, threadId: string, o: { inspector: string; toRevision: bigint }): Promise<InspectionResult> {
  const ws = await connectWsInspector(o.inspector, 3000);
  try {
    const sent = await replayIntoInspector(store, threadId, { inspector: ws, toRevision: o.toRevision });
    await ws.flush();
    return sent;
  } finally {
    ws.close();
  }
}
