/**
 * MCP tools as actions, for the library and the CLI: `mcpActions(servers, …)` lists each server's
 * tools (starting the servers) and returns their actions with the pool that runs them;
 * `mcpActionsFromCatalogue` builds the same actions from a tool list recorded earlier, starting
 * nothing until a tool is called.
 */
import type { Action } from '../action.ts';
import { ACTION_NAME_PATTERN } from '../registry.ts';
import type { McpServersMap } from '../../plan/mcp-servers.ts';
import { McpConfigError } from './errors.ts';
import { createMcpServerPool, type McpServerPool, type McpToolInfo } from './pool.ts';
import { mcpActionName, mcpToolAction } from './tool-action.ts';

/** MCP actions with the servers behind them; `close()` stops the servers (do it when the run ends). */
export interface McpToolset {
  actions: Action[];
  /** The tools the actions were built from (what a thread records to rebuild them without listing). */
  tools: McpToolInfo[];
  pool: McpServerPool;
  close(): Promise<void>;
}

/** Options of `mcpActions`. */
export interface McpActionsOptions {
  /** Default working directory of stdio servers (default: the process's). */
  workspace?: string;
  /** Model-planned threads ask before tools not annotated read-only (see `mcpToolAction`). Default true. */
  modelPlanned?: boolean;
  /** Only these servers are listed (default: all). */
  only?: readonly string[];
}

/**
 * Starts the declared servers, lists their tools and returns them as actions named
 * `mcp__<server>__<tool>` (servers in declaration order, tools in listed order).
 * On failure the servers already started are stopped.
 * @throws McpServerError a server does not start; McpConfigError a tool name no action can have.
 */
export async function mcpActions(servers: McpServersMap, options: McpActionsOptions = {}): Promise<McpToolset> {
  const pool = createMcpServerPool(servers, options.workspace ?? process.cwd());
  try {
    const names = Object.keys(servers).filter((s) => options.only === undefined || options.only.includes(s));
    const tools = (await Promise.all(names.map((s) => pool.listTools(s)))).flat();
    return mcpActionsFromCatalogue(tools, pool, options);
  } catch (err) {
    await pool.close();
    throw err;
  }
}

/**
 * The actions of `tools` (a catalogue listed before, e.g. recorded by a thread) over `pool`.
 * @throws McpConfigError a tool whose name cannot be part of an action name, or whose schema does not compile.
 */
export function mcpActionsFromCatalogue(tools: readonly McpToolInfo[], pool: McpServerPool, options: Pick<McpActionsOptions, 'modelPlanned'> = {}): McpToolset {
  const actions = tools.map((t) => {
    const name = mcpActionName(t.server, t.name);
    if (!ACTION_NAME_PATTERN.test(name)) {
      throw new McpConfigError(`MCP server '${t.server}': tool '${t.name}' cannot be an action ('${name}' is not a valid action name)`);
    }
    return mcpToolAction(t, pool, { modelPlanned: options.modelPlanned ?? true });
  });
  return { actions, tools: [...tools], pool, close: () => pool.close() };
}
