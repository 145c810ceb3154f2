/** Parsing and checking of CLI argument values shared by the commands. */
import type { Command } from 'commander';
import { ID_PATTERN, ThreadNotFoundError } from '../base.ts';
import type { EventStore } from '../index.ts';
import { BadRevisionError, UsageError } from './cli-errors.ts';

/** What a thread id may be (the `Id` of facts): 1–128 of `A-Z a-z 0-9 _ . : -`. */
export const THREAD_ID_RULE = "1–128 characters of A-Z a-z 0-9 _ . : -";

/**
 * Checks a thread id given on the command line (it becomes the stream name `thread-<id>`).
 * @throws UsageError naming `where` (`<thread>`, `--thread`) and the allowed characters.
 */
export function parseThreadId(value: string, where: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw new UsageError(`${where}: '${value}' is not a thread id (${THREAD_ID_RULE})`);
  return value;
}

/**
 * Checks every thread id of a parsed command before it runs: each argument named `<thread>` and each
 * option whose value is named `<thread>` (`--thread <thread>`, `fork --id <thread>`).
 * @param positional the command's positional argument values, in order.
 * @throws UsageError for the first one that is not a thread id.
 */
export function checkThreadIds(cmd: Command, positional: readonly unknown[]): void {
  cmd.registeredArguments.forEach((arg, i) => {
    const value = positional[i];
    if (arg.name() === 'thread' && typeof value === 'string') parseThreadId(value, '<thread>');
  });
  const values = cmd.opts<Record<string, unknown>>();
  for (const option of cmd.options) {
    const value = values[option.attributeName()];
    if (/<thread>/.test(option.flags) && typeof value === 'string') parseThreadId(value, option.long ?? option.flags);
  }
}

/**
 * Parses a revision given on the command line (a non-negative integer).
 * @throws UsageError naming `option` when `value` is not one.
 */
export function parseRevision(value: string, option: string): bigint {
  if (!/^\d{1,18}$/.test(value)) throw new UsageError(`${option}: expected a revision (a non-negative integer), got '${value}'`);
  return BigInt(value);
}

/**
 * The last revision of a thread.
 * @throws ThreadNotFoundError when the thread has no fact.
 */
export async function requireThread(store: EventStore, threadId: string): Promise<bigint> {
  const { lastRevision } = await import('../history.ts'); // not loaded by commands that never call this
  const last = await lastRevision(store, threadId);
  if (last === undefined) throw new ThreadNotFoundError(threadId);
  return last;
}

/**
 * Parses `value` as a revision of `threadId` (undefined → undefined).
 * @throws UsageError not a number; ThreadNotFoundError; BadRevisionError beyond the thread's last revision.
 */
export async function threadRevision(store: EventStore, threadId: string, value: string | undefined, option: string): Promise<bigint | undefined> {
  const last = await requireThread(store, threadId);
  if (value === undefined) return undefined;
  const rev = parseRevision(value, option);
  if (rev > last) throw new BadRevisionError(threadId, rev, last, option);
  return rev;
}

/**
 * Parses a TCP port.
 * @throws UsageError when `value` is not an integer 0–65535.
 */
export function parsePort(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new UsageError(`${option}: expected a port number, got '${value}'`);
  return n;
}

/**
 * A positive integer option value (`--concurrency 4`): digits only, a safe integer ≥ 1.
 * @throws UsageError naming `option` and the value otherwise.
 */
export function positiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option}: expected a positive integer, got '${value}'`);
  return n;
}
