/**
 * The MCP servers of one session (a CLI command, or a library runtime): each server is started on
 * first use (listing its tools or calling one), shared by every step that uses it, restarted by the
 * next use after it went away, and stopped by `close()` (with the run).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpServersMap } from '../../plan/mcp-servers.ts';
import { connectMcpServer, describeFailure, type McpConnection } from './connection.ts';
import { McpConfigError, McpServerError } from './errors.ts';

/** A tool as listed by its server: what its action is built from (and what a thread may record). */
export interface McpToolInfo {
  server: string;
  /** The tool's name on its server. */
  name: string;
  description: string;
  /** The tool's input JSON Schema, as listed. */
  inputSchema: Record<string, unknown>;
  /** `annotations.readOnlyHint === true`. */
  readOnly: boolean;
}

/** How a call is made. */
export interface McpCallOptions {
  signal: AbortSignal;
  /** Sent to the server in the request's `_meta` (`orchestral/idempotencyKey`). */
  idempotencyKey?: string;
}

/** The servers of a session; see the module doc. */
export interface McpServerPool {
  /** Declared server names, in declaration order. */
  servers(): string[];
  /**
   * Every tool of `server` (all pages), starting it if needed.
   * @throws McpServerError the server does not start or drops the connection; McpConfigError unknown server.
   */
  listTools(server: string): Promise<McpToolInfo[]>;
  /**
   * Calls a tool (no request timeout of its own: `signal` stops it).
   * @throws McpServerError (`start` / `crash`) naming the server; the signal's reason when aborted.
   */
  callTool(server: string, tool: string, args: Record<string, unknown>, options: McpCallOptions): Promise<CallToolResult>;
  /** Process id of a running stdio server (tests, diagnostics). */
  pidOf(server: string): number | undefined;
  /** Stops every started server; later uses fail. */
  close(): Promise<void>;
}

/** The SDK's request timeout would cut long tools at 60 s; the step's own timeout and signal govern instead. */
const NO_TIMEOUT_MS = 2_147_483_647;

/**
 * A pool over `servers`; nothing starts until a tool is listed or called.
 * @param workspace default working directory of stdio servers.
 */
export function createMcpServerPool(servers: McpServersMap, workspace: string): McpServerPool {
  const live = new Map<string, Promise<McpConnection>>();
  const connections = new Set<McpConnection>();
  let closed = false;

  const connect = (server: string): Promise<McpConnection> => {
    if (closed) return Promise.reject(new McpServerError(server, 'start', 'the run has ended'));
    const config = servers[server];
    if (config === undefined) return Promise.reject(new McpConfigError(`unknown MCP server '${server}' (declared: ${Object.keys(servers).join(', ') || 'none'})`));
    let pending = live.get(server);
    if (pending === undefined) {
      pending = connectMcpServer(server, config, workspace, () => {
        if (live.get(server) === pending) live.delete(server);
      }).then(async (c) => {
        if (closed) {
          await c.close();
          throw new McpServerError(server, 'start', 'the run has ended');
        }
        connections.add(c);
        return c;
      });
      live.set(server, pending);
      pending.catch(() => {
        if (live.get(server) === pending) live.delete(server);
      });
    }
    return pending;
  };

  /** Turns a request failure into a crash error when the connection is gone (and the caller did not abort). */
  const failed = (c: McpConnection, err: unknown, signal?: AbortSignal): never => {
    if (signal?.aborted) throw signal.reason ?? err;
    if (c.isClosed()) throw new McpServerError(c.server, 'crash', describeFailure(err, c.stderrTail()), { cause: err });
    throw err;
  };

  return {
    servers: () => Object.keys(servers),
    async listTools(server) {
      const c = await connect(server);
      const out: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await c.client.listTools(cursor === undefined ? {} : { cursor }, { timeout: 60_000 }).catch((err: unknown) => failed(c, err));
        for (const t of page.tools) {
          out.push({
            server,
            name: t.name,
            description: (t.description ?? t.title ?? '').trim() || `MCP tool ${t.name} of server ${server}`,
            inputSchema: t.inputSchema as Record<string, unknown>,
            readOnly: t.annotations?.readOnlyHint === true,
          });
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return out;
    },
    async callTool(server, tool, args, options) {
      options.signal.throwIfAborted();
      const c = await connect(server);
      const _meta = options.idempotencyKey !== undefined ? { 'orchestral/idempotencyKey': options.idempotencyKey } : undefined;
      try {
        return (await c.client.callTool({ name: tool, arguments: args, ...(_meta ? { _meta } : {}) }, undefined, {
          signal: options.signal,
          timeout: NO_TIMEOUT_MS,
        })) as CallToolResult;
      } catch (err) {
        return failed(c, err, options.signal);
      }
    },
    pidOf(server) {
      for (const c of connections) if (c.server === server && !c.isClosed()) return c.pid;
      return undefined;
    },
    async close() {
      closed = true;
      const all = [...connections];
      connections.clear();
      live.clear();
      await Promise.all(all.map((c) => c.close()));
    },
  };
}
