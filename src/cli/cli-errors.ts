/**
 * How the CLI turns errors into one line on stderr and an exit code. Stack traces only with --debug.
 */
import { OrchestralError, hasErrorCode, redactText } from '../base.ts';
import { EXIT } from './exit-codes.ts';

/** A bad command line: wrong argument, bad option value. Exit code 64. */
export class UsageError extends OrchestralError {
  static readonly code = 'USAGE';
  constructor(message: string) {
    super(UsageError.code, message);
  }
}
export const isUsageError = (e: unknown): e is UsageError => hasErrorCode(e, UsageError.code);

/** A revision given on the command line that the thread does not have (e.g. `--at 99` on a 10-fact thread). Exit 64. */
export class BadRevisionError extends OrchestralError {
  static readonly code = 'BAD_REVISION';
  constructor(
    readonly threadId: string,
    readonly revision: bigint,
    readonly lastRevision: bigint,
    option: string,
  ) {
    super(BadRevisionError.code, `${option} ${revision}: thread '${threadId}' has revisions 0..${lastRevision}`);
  }
}
export const isBadRevisionError = (e: unknown): e is BadRevisionError => hasErrorCode(e, BadRevisionError.code);

/**
 * Error codes that mean the user's input is wrong (exit 64) rather than a failure (exit 1): bad
 * arguments, malformed or invalid plan files, unknown actions, bad action modules, missing planner
 * configuration, revisions a thread does not have.
 */
const USAGE_CODES = new Set([
  'USAGE',
  'PLAN_FILE',
  'PLAN_INVALID',
  'BAD_REVISION',
  'THREAD_REVISION',
  'AS_OF_INVALID',
  'PLANNER_CONFIG',
  'LLM_CONFIG',
  'UNKNOWN_ACTION',
  'ACTION_REGISTRY_INVALID',
  'ACTION_MODULE',
  'MCP_CONFIG_FILE',
  'ROUTES_FILE',
  'NO_ROUTE',
]);

/** Maps an error to the exit code the CLI returns (see exit-codes.ts). */
export function exitCodeFor(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && USAGE_CODES.has(code)) return EXIT.usage;
  if (code === 'STORE_OPEN' && (err as { reason?: unknown }).reason === 'bad_url') return EXIT.usage;
  if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.usage;
  return EXIT.failed;
}

/**
 * The line printed for an error: `orchestral: <first line of the message>` (the whole stack with
 * `debug`), secrets redacted (src/core/redact.ts).
 */
export function formatCliError(err: unknown, debug: boolean): string {
  if (debug && err instanceof Error && err.stack) return redactText(`orchestral: ${err.stack}`);
  const message = err instanceof Error ? err.message : String(err);
  return redactText(`orchestral: ${message.replace(/^error: /, '').split('\n')[0]}`);
}
