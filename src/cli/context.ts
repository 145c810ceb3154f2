/** What every command receives besides its own arguments. */
import type { Command } from 'commander';
import type { CliIo } from './io.ts';

/** Global options and output channels of one CLI invocation. */
export interface CommandContext {
  io: CliIo;
  /** `--store URL` (default `sqlite:.orchestral/events.db`). */
  storeUrl: string;
  /** `--debug`: stack traces on errors. */
  debug: boolean;
}

/** Who the CLI says approves, rejects, cancels: `--by`, else `$USER`, else `cli`. */
export function whoAmI(by: string | undefined): string {
  return by ?? process.env['USER'] ?? process.env['USERNAME'] ?? 'cli';
}

/** How commands receive their context: `holder.get(cmd)` (global options are read from `cmd`). */
export interface ContextHolder {
  get(cmd: Command): CommandContext;
}
