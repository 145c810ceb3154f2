/**
 * `run --inspect` / `--inspect-url`: the thread's facts go to the Stately inspector while it runs
 * (read from the store after each commit, in revision order, folded by `createInspectionReplay`).
 */
import type { Runtime } from '../runtime/runtime.ts';
import type { EventStore } from '../store/event-store.ts';
import { historyEvents } from '../history/read.ts';
import type { CliIo } from './io.ts';
import { connectWsInspector, createInspectionReplay, startBrowserBridge, type WsInspector } from './inspector.ts';

/** A live inspection; `stop` sends what is left and disconnects. */
export interface LiveInspection {
  stop(): Promise<void>;
}

/** Where to inspect: a WebSocket URL, or the browser bridge on `port`. */
export interface InspectTarget {
  url?: string;
  port: number;
}

/** Connects to the inspector (bridge or URL). @throws InspectorConnectError. */
export async function connectTarget(target: InspectTarget, io: CliIo): Promise<{ ws: WsInspector; stop(): void }> {
  if (target.url !== undefined) {
    const ws = await connectWsInspector(target.url);
    return { ws, stop: () => ws.close() };
  }
  const bridge = await startBrowserBridge(target.port);
  io.err(`inspector: http://localhost:${target.port} (opening the browser; events relay to https://stately.ai/inspect)`);
  const ws = await connectWsInspector(bridge.url);
  return {
    ws,
    stop: () => {
      ws.close();
      bridge.stop();
    },
  };
}

/** Starts inspecting `threadId` (loaded in `runtime`) from its first fact. */
export async function startLiveInspection(runtime: Runtime, store: EventStore, threadId: string, target: InspectTarget, io: CliIo): Promise<LiveInspection> {
  const conn = await connectTarget(target, io);
  const replay = createInspectionReplay(conn.ws.sink, threadId);
  let chain = Promise.resolve();
  const pump = (): Promise<void> => {
    chain = chain
      .then(async () => {
        for await (const e of historyEvents(store, threadId, { fromRevision: replay.state.revision + 1n })) replay.apply(e);
      })
      .catch((err: unknown) => io.err(`orchestral: inspector: ${(err as Error).message}`));
    return chain;
  };
  const sub = runtime.state$(threadId).subscribe(() => void pump());
  return {
    async stop() {
      sub.unsubscribe();
      await pump();
      await conn.ws.flush();
      conn.stop();
    },
  };
}
