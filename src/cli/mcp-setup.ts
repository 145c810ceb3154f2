/**
 * MCP servers for CLI sessions. Servers are declared in files: `--mcp config.json` (`{ "mcpServers":
 * { … } }`, the MCP client shape) and a plan file's `mcpServers:` key. The thread's planner
 * descriptor records `config.mcp = { configs, plans, tools }`: the absolute paths of those files (read
 * again by later processes: env values and headers are never recorded) and the tool list its first
 * process obtained. Later processes build the actions from that list and start a server only when a
 * step calls one of its tools; `replay`, `show` and the other read-only commands never do. The MCP
 * modules (`orchestral/mcp`) are imported only when a file declares servers.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { McpConfigFile, McpServersMap, McpToolInfo, McpToolset } from '../actions/mcp/index.ts';
import { OrchestralError, hasErrorCode } from '../base.ts';
import type { PlannerDescriptor } from './planner-descriptor.ts';

/** An MCP servers file that cannot be read or does not declare servers correctly. Exit 64. */
export class McpConfigFileError extends OrchestralError {
  static readonly code = 'MCP_CONFIG_FILE';
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(McpConfigFileError.code, `MCP servers in ${file}: ${detail}`, options);
  }
}
export const isMcpConfigFileError = (e: unknown): e is McpConfigFileError => hasErrorCode(e, McpConfigFileError.code);

/** What a descriptor records about MCP (see the module doc). */
export interface DescriptorMcp {
  /** Absolute paths of `--mcp` config files, in order. */
  configs: string[];
  /** Absolute paths of plan files whose `mcpServers` key declares servers. */
  plans: string[];
  tools?: McpToolInfo[];
}

const RecordedTool = z.object({
  server: z.string(),
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  readOnly: z.boolean(),
});
const RecordedMcp = z.object({ configs: z.array(z.string()), plans: z.array(z.string()), tools: z.array(RecordedTool).optional() });

/** The MCP part of a descriptor (undefined when it has none or it is malformed). */
export function descriptorMcp(d: PlannerDescriptor | undefined): DescriptorMcp | undefined {
  const config = typeof d?.config === 'object' && d.config !== null ? (d.config as Record<string, unknown>) : {};
  const r = RecordedMcp.safeParse(config['mcp']);
  return r.success && r.data.configs.length + r.data.plans.length > 0 ? (r.data as DescriptorMcp) : undefined;
}

/**
 * Reads the servers a file declares: a `--mcp` config file (`strict`: only the `mcpServers` key) or
 * a plan file (its `mcpServers` key, if any). JSON or YAML.
 * @throws McpConfigFileError unreadable, unparseable, or a bad declaration (the field is named).
 */
export async function readMcpServers(path: string, strict: boolean): Promise<McpServersMap> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new McpConfigFileError(path, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new McpConfigFileError(path, `cannot be parsed: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const entry = await import('../actions/mcp/index.ts');
  const r = strict ? entry.McpConfigFile.safeParse(value) : entry.McpServersMap.optional().safeParse((value as { mcpServers?: unknown } | null)?.mcpServers);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = [...(strict ? [] : ['mcpServers']), ...issue.path.map(String)].join('.');
    throw new McpConfigFileError(path, `${where ? `${where}: ` : ''}${issue.message}`);
  }
  const data = r.data as McpConfigFile | McpServersMap | undefined;
  return (strict ? (data as McpConfigFile).mcpServers : (data as McpServersMap | undefined)) ?? {};
}

/**
 * The servers `mcp` declares (plan files first, then config files), merged.
 * @throws McpConfigFileError a bad file, or a server name declared twice.
 */
export async function mcpServersOf(mcp: Pick<DescriptorMcp, 'configs' | 'plans'>): Promise<McpServersMap> {
  const out: McpServersMap = {};
  const files: Array<[string, boolean]> = [...mcp.plans.map((f): [string, boolean] => [f, false]), ...mcp.configs.map((f): [string, boolean] => [f, true])];
  for (const [file, strict] of files) {
    for (const [name, config] of Object.entries(await readMcpServers(file, strict))) {
      if (out[name] !== undefined) throw new McpConfigFileError(file, `server '${name}' is declared twice`);
      out[name] = config;
    }
  }
  return out;
}

/** Absolute paths of `--mcp` files. */
export const resolveMcpFiles = (files: readonly string[] | undefined): string[] => [...new Set((files ?? []).map((f) => resolve(f)))];

/**
 * The MCP toolset of a session: none when no file declares servers; the recorded tool list when the descriptor
 * has one (nothing starts); else the servers are listed now (they start).
 * @param modelPlanned whether tools not annotated read-only ask for approval.
 * @throws McpConfigFileError; McpServerError a server does not start while being listed.
 */
export async function sessionMcp(d: PlannerDescriptor | undefined, workspace: string, modelPlanned: boolean): Promise<McpToolset | undefined> {
  const mcp = descriptorMcp(d);
  if (mcp === undefined) return undefined;
  const servers = await mcpServersOf(mcp);
  const { createMcpServerPool, mcpActions, mcpActionsFromCatalogue } = await import('../actions/mcp/index.ts');
  if (mcp.tools !== undefined) return mcpActionsFromCatalogue(mcp.tools, createMcpServerPool(servers, workspace), { modelPlanned });
  return mcpActions(servers, { workspace, modelPlanned });
}
