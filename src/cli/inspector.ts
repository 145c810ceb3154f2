/**
 * The browser inspector for the CLI: a local bridge (`@statelyai/inspect/server`: an HTTP page
 * embedding https://stately.ai/inspect plus a WebSocket relay) that the CLI's WebSocket inspector
 * (`orchestral/inspect`'s `connectWsInspector`) sends to.
 */
import { connect } from 'node:net';
import { InspectorConnectError } from '../inspect/index.ts';

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (false after `timeoutMs`). */
async function listening(port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Starts the bridge on `port` and opens the browser inspector.
 * @throws InspectorConnectError when the bridge does not listen on `port` within 3 s (port taken).
 */
export async function startBrowserBridge(port: number): Promise<{ url: string; stop(): void }> {
  const { createInspectorServer } = await import('@statelyai/inspect/server');
  const server = createInspectorServer({ port, autoOpen: true });
  const url = `ws://127.0.0.1:${port}`;
  if (!(await listening(port, 3000))) {
    server.stop();
    throw new InspectorConnectError(url, 'the local inspector bridge did not start within 3000 ms (port taken?)');
  }
  return { url, stop: () => server.stop() };
}
