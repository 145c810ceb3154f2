/**
 * MCP server declarations, in the shape MCP clients (Claude Desktop and others) already use:
 * `{ "mcpServers": { "<name>": { "command", "args"?, "env"?, "cwd"? } | { "url", "headers"? } } }`.
 * A `command` server speaks stdio (a child process), a `url` server Streamable HTTP. Server names
 * become part of action names (`mcp__<server>__<tool>`), so they are lowercase letters and digits
 * joined by single `-` or `_` (never `__`, the separator).
 */
import { z } from 'zod';

/** Server names: `fs`, `my-server`, `github_2`; 1–40 characters, no `__`. */
export const MCP_SERVER_NAME_PATTERN = /^(?=.{1,40}$)[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

/** A server started as a child process speaking MCP on its stdin/stdout. */
export const McpStdioServer = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  /** Added to a minimal default environment (HOME, PATH, …): the parent's secrets are not passed on. */
  env: z.record(z.string(), z.string()).optional(),
  /** Working directory of the process (default: the workspace). */
  cwd: z.string().min(1).optional(),
});
export type McpStdioServer = z.infer<typeof McpStdioServer>;

/** A server reached over Streamable HTTP. */
export const McpHttpServer = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Sent with every request (e.g. `Authorization`); never recorded. */
  headers: z.record(z.string(), z.string()).optional(),
});
export type McpHttpServer = z.infer<typeof McpHttpServer>;

/** One server: stdio (`command`) or Streamable HTTP (`url`). */
export const McpServerConfig = z.union([McpStdioServer, McpHttpServer], {
  error: 'expected { command, args?, env?, cwd? } (stdio) or { url, headers? } (Streamable HTTP)',
});
export type McpServerConfig = z.infer<typeof McpServerConfig>;

/** Servers by name. */
export const McpServersMap = z.record(
  z.string().regex(MCP_SERVER_NAME_PATTERN, 'server names are lowercase letters and digits joined by single "-" or "_"'),
  McpServerConfig,
);
export type McpServersMap = z.infer<typeof McpServersMap>;

/** A config file (`--mcp config.json`): `{ "mcpServers": { … } }`. */
export const McpConfigFile = z.strictObject({ mcpServers: McpServersMap });
export type McpConfigFile = z.infer<typeof McpConfigFile>;

/** True for a stdio server declaration. */
export const isStdioServer = (c: McpServerConfig): c is McpStdioServer => 'command' in c;
