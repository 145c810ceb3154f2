/**
 * An MCP tool as an action: `mcp__<server>__<tool>`, input checked against the tool's JSON Schema
 * (at plan time and again before the call), output `{ text, content, structuredContent? }`.
 * The call is an effect like any action: the step's idempotency key travels in the request's
 * `_meta`, the result becomes the step's recorded output (under the fact size limit), and replay
 * never calls it.
 */
import { z } from 'zod';
import type { Action } from '../action.ts';
import { McpConfigError, McpToolError } from './errors.ts';
import { compileJsonSchema } from './json-schema.ts';
import type { McpServerPool, McpToolInfo } from './pool.ts';

/** Prefix of every MCP action name. */
export const MCP_ACTION_PREFIX = 'mcp__';

/** `mcp__<server>__<tool>`. */
export const mcpActionName = (server: string, tool: string): string => `${MCP_ACTION_PREFIX}${server}__${tool}`;

/** What an MCP action resolves with. `text`: the text parts of `content`, joined by newlines. */
export const McpToolOutput = z.object({
  text: z.string(),
  content: z.array(z.unknown()),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
});
export type McpToolOutput = z.infer<typeof McpToolOutput>;

/** Options of `mcpToolAction`. */
export interface McpToolActionOptions {
  /**
   * Whether a model planned the thread: then a tool not annotated `readOnlyHint: true` asks a human
   * before each run (plans written by a person are their own approval).
   */
  modelPlanned: boolean;
}

/** The text parts of a tool result's content. */
function textOf(content: readonly unknown[]): string {
  return content
    .filter((c): c is { type: 'text'; text: string } => typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'text')
    .map((c) => c.text)
    .join('\n');
}

/**
 * The action of one listed tool.
 * @throws McpConfigError when the tool's input schema does not compile.
 */
export function mcpToolAction(tool: McpToolInfo, pool: McpServerPool, options: McpToolActionOptions): Action {
  const name = mcpActionName(tool.server, tool.name);
  let check: ReturnType<typeof compileJsonSchema>;
  try {
    check = compileJsonSchema(tool.inputSchema);
  } catch (err) {
    throw new McpConfigError(`${name}: the tool's input schema cannot be compiled: ${(err as Error).message}`, { cause: err });
  }
  const input = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    for (const issue of check(value)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
  const action: Action<Record<string, unknown>, McpToolOutput> = {
    name,
    description: `${tool.description} (MCP tool '${tool.name}' of server '${tool.server}'${tool.readOnly ? ', read-only' : ''})`,
    input,
    inputJsonSchema: tool.inputSchema,
    output: McpToolOutput,
    ...(options.modelPlanned && !tool.readOnly
      ? { approvalReason: () => `MCP tool '${tool.name}' of server '${tool.server}' is not annotated read-only` }
      : {}),
    async run(args, ctx) {
      const result = await pool.callTool(tool.server, tool.name, args, { signal: ctx.signal, idempotencyKey: ctx.idempotencyKey });
      const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
      const text = textOf(content);
      if (result.isError === true) throw new McpToolError(tool.server, tool.name, text.slice(0, 2000) || 'the tool reported an error');
      const structured = result.structuredContent;
      return { text, content, ...(structured !== undefined && structured !== null ? { structuredContent: structured } : {}) };
    },
  };
  return action as unknown as Action;
}
