/**
 * `orchestral emit <thread> <type> [--data JSON]`: sends an event to a thread as the input
 * `event:<type> <data>` (see planner/routes/event-input.ts), through the thread's concurrency policy
 * like `send`, then follows it. A thread run with `--routes` maps it to the plan of the first
 * `{ event: <type> }` route.
 */
import type { Command } from 'commander';
import { UsageError } from '../cli-errors.ts';
import type { ContextHolder } from '../context.ts';
import { EVENT_TYPE_PATTERN, formatEventInput } from '../../index.ts';
import { sendCommand } from './send.ts';

/** The `emit` command. @throws UsageError a malformed type or `--data` that is not JSON. */
export async function emitCommand(holder: ContextHolder, cmd: Command, threadId: string, type: string): Promise<number> {
  const raw = cmd.opts<{ data?: string }>().data;
  if (!EVENT_TYPE_PATTERN.test(type)) throw new UsageError(`emit: event type '${type}': expected 1–128 of A-Z a-z 0-9 . _ : - /`);
  let data: unknown = null;
  if (raw !== undefined) {
    try {
      data = JSON.parse(raw) as unknown;
    } catch (err) {
      throw new UsageError(`emit: --data is not JSON: ${(err as Error).message}`);
    }
  }
  return sendCommand(holder, cmd, threadId, formatEventInput({ type, data }));
}
