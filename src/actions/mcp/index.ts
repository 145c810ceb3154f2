/**
 * `orchestral/mcp`: MCP tools as actions. `mcpActions(servers, { workspace })` starts the servers
 * (stdio or Streamable HTTP), lists their tools and returns one action per tool, named
 * `mcp__<server>__<tool>`, to put in an action registry; `close()` stops the servers. Importing
 * this entry loads the MCP SDK; the main entry never does.
 */
export { mcpActions, mcpActionsFromCatalogue } from './actions.ts';
export type { McpToolset, McpActionsOptions } from './actions.ts';
export { createMcpServerPool } from './pool.ts';
export type { McpToolInfo, McpServerPool } from './pool.ts';
export { mcpActionName, MCP_ACTION_PREFIX } from './tool-action.ts';
export { McpServerError, McpToolError, McpConfigError, isMcpServerError, isMcpToolError, isMcpConfigError } from './errors.ts';
export type { McpServerFailure } from './errors.ts';
export { McpServersMap, McpConfigFile } from '../../plan/mcp-servers.ts';
