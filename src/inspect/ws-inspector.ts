/**
 * A WebSocket inspector for Node: sends inspection events as JSON text frames to any server speaking
 * the Stately WebSocket protocol (`@statelyai/inspect/server`'s relay, `createWebSocketReceiver`
 * behind one). Unlike `createWebSocketInspector`, it connects before anything is sent, fails at
 * once (one line) when the socket is refused or does not open in time, and can wait until what was
 * sent has left the socket. The `ws` package is imported by the first `connectWsInspector` call.
 */
import type WebSocket from 'ws';
import { OrchestralError } from '../errors/orchestral-error.ts';
import type { InspectionEvent, InspectorLike } from './inspection-events.ts';

/** The inspector could not be reached. Exit 1 in the CLI. */
export class InspectorConnectError extends OrchestralError {
  static readonly code = 'INSPECTOR_CONNECT';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(InspectorConnectError.code, `inspector at ${url}: ${reason}`);
  }
}

/** A connected WebSocket inspector. */
export interface WsInspector extends InspectorLike {
  adapter: { send(event: InspectionEvent): void };
  /** Resolves once everything sent so far has left the socket (at most `timeoutMs`, default 5000). */
  flush(timeoutMs?: number): Promise<void>;
  close(): void;
}

const json = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Connects to `url` (ws:// or wss://).
 * @throws InspectorConnectError when the connection is refused or does not open within `timeoutMs` (default 1000).
 */
export async function connectWsInspector(url: string, timeoutMs = 1000): Promise<WsInspector> {
  const { default: WebSocketClient } = await import('ws');
  let ws: WebSocket;
  try {
    ws = new WebSocketClient(url);
  } catch (err) {
    throw new InspectorConnectError(url, (err as Error).message);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new InspectorConnectError(url, `no WebSocket connection within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      const code = (err as { code?: string }).code;
      reject(new InspectorConnectError(url, code === 'ECONNREFUSED' ? 'connection refused' : err.message));
    });
  });
  ws.on('error', () => undefined); // later socket errors end the inspection, not the process
  return {
    adapter: { send: (event) => ws.readyState === 1 && ws.send(json(event)) },
    async flush(ms = 5000) {
      const until = Date.now() + ms;
      while (ws.readyState === 1 && ws.bufferedAmount > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    },
    close: () => ws.close(),
  };
}
