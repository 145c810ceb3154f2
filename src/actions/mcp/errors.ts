/**
 * Errors of MCP tool actions. Each names the server (and the tool when there is one) and has a
 * stable `code`; they are `ActionError`s, so a step fails with them like with any action error.
 */
import { ActionError } from '../errors.ts';
import { hasErrorCode } from '../../errors/orchestral-error.ts';

/** What went wrong with a server: it did not start (or connect), or it went away during a call. */
export type McpServerFailure = 'start' | 'crash';

/**
 * An MCP server failed to start or connect (`failure: 'start'`), or exited or dropped the
 * connection while a call was in flight (`'crash'`). Code `MCP_SERVER`; retryable (the next attempt
 * starts the server again; the step's retry policy caps it).
 */
export class McpServerError extends ActionError {
  static override readonly code: string = 'MCP_SERVER';
  constructor(
    readonly server: string,
    readonly failure: McpServerFailure,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    const what = failure === 'start' ? 'failed to start' : 'crashed during a call';
    super(`MCP server '${server}' ${what}: ${detail}`, { code: McpServerError.code, retryable: true, cause: options.cause });
  }
}

/** A tool answered with `isError: true` (the tool refused or failed). Code `MCP_TOOL`; not retried. */
export class McpToolError extends ActionError {
  static override readonly code: string = 'MCP_TOOL';
  constructor(
    readonly server: string,
    readonly tool: string,
    detail: string,
  ) {
    super(`MCP tool '${tool}' of server '${server}' failed: ${detail}`, { code: McpToolError.code, retryable: false });
  }
}

/** A server's declaration or tool list cannot be used (bad config, a tool name no action can have). Code `MCP_CONFIG`. */
export class McpConfigError extends ActionError {
  static override readonly code: string = 'MCP_CONFIG';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: McpConfigError.code, retryable: false, cause: options.cause });
  }
}

export const isMcpServerError = (e: unknown): e is McpServerError => hasErrorCode(e, McpServerError.code);
export const isMcpToolError = (e: unknown): e is McpToolError => hasErrorCode(e, McpToolError.code);
export const isMcpConfigError = (e: unknown): e is McpConfigError => hasErrorCode(e, McpConfigError.code);
