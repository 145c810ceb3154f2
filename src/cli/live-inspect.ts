/**
 * `--inspect` / `--inspect-url` of `run`, `approve`, `resume`, `send`: the thread's facts go to the
 * Stately inspector while the command runs (`attachInspector` of orchestral/inspect, from the
 * thread's first fact), through a WebSocket to `--inspect-url` or to the local browser bridge.
 * The inspector modules are imported when an inspection starts.
 */
import type { WsInspector } from '../inspect/index.ts';
import type { Runtime } from '../index.ts';
import type { CliIo } from './io.ts';
import { parsePort } from './args.ts';

/** A live inspection; `stop` sends what is left and disconnects. */
export interface LiveInspection {
  stop(): Promise<void>;
}

/** Where to inspect: a WebSocket URL, or the browser bridge on `port`. */
export interface InspectTarget {
  url?: string;
  port: number;
}

/** Connects to the inspector (bridge or URL). @throws InspectorConnectError (within 1 s for a URL nobody listens on). */
export async function connectTarget(target: InspectTarget, io: CliIo): Promise<{ ws: WsInspector; stop(): void }> {
  const { connectWsInspector } = await import('../inspect/index.ts');
  if (target.url !== undefined) {
    const ws = await connectWsInspector(target.url);
    return { ws, stop: () => ws.close() };
  }
  const { startBrowserBridge } = await import('./inspector.ts');
  const bridge = await startBrowserBridge(target.port);
  io.err(`inspector: http://localhost:${target.port} (opening the browser; events relay to https://stately.ai/inspect)`);
  const ws = await connectWsInspector(bridge.url, 3000);
  return {
    ws,
    stop: () => {
      ws.close();
      bridge.stop();
    },
  };
}

/** Starts inspecting `threadId` of `runtime` from its first fact. */
export async function startLiveInspection(runtime: Runtime, threadId: string, target: InspectTarget, io: CliIo): Promise<LiveInspection> {
  const { attachInspector } = await import('../inspect/index.ts');
  const conn = await connectTarget(target, io);
  const attached = attachInspector(runtime, { inspector: conn.ws, threadId });
  return {
    async stop() {
      // facts of the last commit reach the subscription within a turn of the event loop
      await new Promise((r) => setTimeout(r, 50));
      attached.stop();
      await conn.ws.flush();
      conn.stop();
    },
  };
}

/** The inspection options shared by `run`, `approve`, `reject`, `resume` and `send`. */
export interface InspectOptions {
  inspect?: boolean;
  inspectUrl?: string;
  inspectPort?: string;
}

/**
 * Starts a live inspection of `threadId` when `--inspect` or `--inspect-url` was given, else nothing.
 * @throws UsageError a bad `--inspect-port`; InspectorConnectError the inspector cannot be reached.
 */
export async function inspectIfAsked(runtime: Runtime, threadId: string, o: InspectOptions, io: CliIo): Promise<LiveInspection | undefined> {
  if (!o.inspect && o.inspectUrl === undefined) return undefined;
  const port = parsePort(o.inspectPort, '--inspect-port', 8080);
  return startLiveInspection(runtime, threadId, { ...(o.inspectUrl !== undefined ? { url: o.inspectUrl } : {}), port }, io);
}
