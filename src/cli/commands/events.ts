/**
 * `orchestral events <thread> [--from REV] [--json]`: prints a thread's facts in revision order.
 */
import type { Command } from 'commander';
import type { EventStore, RecordedEvent } from '../../index.ts';
import { toJsonLine } from '../json.ts';
import { historyEvents } from '../../history.ts';
import { threadRevision } from '../args.ts';
import type { ContextHolder } from '../context.ts';
import { safeText } from '../render/safe-text.ts';
import { withStore } from '../store.ts';

/** Options of the events command. */
export interface EventsOptions {
  from?: string;
  json?: boolean;
}

/** One human-readable line per fact: `rev  time  type  key=value ...` (nested values omitted, controls neutralised). */
export function formatEventLine(e: RecordedEvent): string {
  const data = e.data as Record<string, unknown>;
  const fields = Object.entries(data)
    .filter(([, v]) => v !== undefined && (typeof v !== 'object' || v === null))
    .map(([k, v]) => `${k}=${safeText(typeof v === 'string' && v.length > 60 ? `${v.slice(0, 57)}...` : String(v))}`)
    .join(' ');
  return `${String(e.revision).padStart(5)}  ${e.metadata.recordedAt}  ${e.type.padEnd(20)} ${fields}`;
}

/**
 * Writes the facts of `thread-<threadId>` from revision `--from` (default 0) to `out`.
 * With `--json`, each line is the whole recorded event (revision, position as strings).
 * @throws ThreadNotFoundError unknown thread; UsageError / BadRevisionError bad `--from`.
 */
export async function eventsCommand(store: EventStore, threadId: string, opts: EventsOptions, out: (line: string) => void): Promise<number> {
  const fromRevision = (await threadRevision(store, threadId, opts.from, '--from')) ?? 0n;
  for await (const e of historyEvents(store, threadId, { fromRevision })) {
    out(opts.json ? toJsonLine(e) : formatEventLine(e));
  }
  return 0;
}

/** The `events` command as commander calls it. */
export function eventsCli(holder: ContextHolder, cmd: Command, threadId: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  return withStore(storeUrl, (store) => eventsCommand(store, threadId, cmd.opts<EventsOptions>(), io.out));
}
