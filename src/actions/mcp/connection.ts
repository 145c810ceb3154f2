/**
 * One live connection to one MCP server through the official SDK client: a child process over
 * stdio, or Streamable HTTP. The server's stderr is kept (its last 2 KB) to explain a failed start
 * or a crash; it is never printed. The SDK (some 200 modules with its JSON-schema validator) is
 * imported by the first `connectMcpServer` call, so loading this module costs nothing until a
 * server starts.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isAbsolute, resolve } from 'node:path';
import { isStdioServer, type McpServerConfig } from '../../plan/mcp-servers.ts';
import { McpServerError } from './errors.ts';

/** Longest stderr tail kept, characters. */
const STDERR_TAIL = 2048;

/** A connected server. `closed` resolves when the connection ends (exit, crash, `close()`). */
export interface McpConnection {
  readonly server: string;
  readonly client: Client;
  /** Process id of a stdio server (undefined for HTTP). */
  readonly pid: number | undefined;
  /** The last lines the server wrote to stderr (stdio only). */
  stderrTail(): string;
  /** True once the connection has ended. */
  isClosed(): boolean;
  close(): Promise<void>;
}

/** Name and version this client announces to servers. */
const CLIENT_INFO = { name: 'orchestral', version: '0.1.0' };

/**
 * Starts (stdio) or connects to (HTTP) `server` and completes the MCP handshake.
 * @param workspace default working directory of a stdio server; a relative `cwd` is resolved against it.
 * @param onClose called once when the connection ends for any reason.
 * @throws McpServerError (`failure: 'start'`) when the process cannot be spawned, exits, or the
 *   handshake fails; the message names the server and carries its stderr tail.
 */
export async function connectMcpServer(server: string, config: McpServerConfig, workspace: string, onClose: () => void): Promise<McpConnection> {
  const [{ Client }, { StdioClientTransport, getDefaultEnvironment }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  let tail = '';
  let closed = false;
  let transport: Transport;
  let stdio: StdioClientTransport | undefined;
  if (isStdioServer(config)) {
    const cwd = config.cwd === undefined ? workspace : isAbsolute(config.cwd) ? config.cwd : resolve(workspace, config.cwd);
    stdio = new StdioClientTransport({
      command: config.command,
      args: config.args ?? [],
      env: { ...getDefaultEnvironment(), ...(config.env ?? {}) },
      cwd,
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    transport = stdio;
  } else {
    transport = new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers ?? {} } });
  }
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  client.onclose = () => {
    if (closed) return;
    closed = true;
    onClose();
  };
  try {
    await client.connect(transport);
  } catch (err) {
    closed = true;
    await client.close().catch(() => undefined);
    throw new McpServerError(server, 'start', describeFailure(err, tail), { cause: err });
  }
  return {
    server,
    client,
    pid: stdio?.pid ?? undefined,
    stderrTail: () => tail,
    isClosed: () => closed,
    async close() {
      closed = true;
      await client.close().catch(() => undefined);
    },
  };
}

/** The error's first line, plus the server's last stderr line when there is one. */
export function describeFailure(err: unknown, stderrTail: string): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const last = stderrTail.trim().split('\n').filter(Boolean).slice(-1)[0];
  return last !== undefined && last !== '' ? `${message} (stderr: ${last.slice(0, 300)})` : message;
}
