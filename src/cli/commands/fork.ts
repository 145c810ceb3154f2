/**
 * `orchestral fork <thread> --at REV [--id NEW]`: a new thread whose history is the thread's facts
 * 0..REV followed by ThreadForked (src/runtime/fork.ts). The fork keeps the planner descriptor, so
 * `resume <new>` continues it from that point (steps running at REV run again in the fork).
 */
import type { Command } from 'commander';
import { ID_PATTERN, ThreadExistsError } from '../../base.ts';
import { forkThread, randomIds, timeOrderedIds } from '../../index.ts';
import { lastRevision } from '../../history.ts';
import { threadRevision } from '../args.ts';
import { UsageError } from '../cli-errors.ts';
import type { ContextHolder } from '../context.ts';
import { nextCommand } from '../next-command.ts';
import { withStore } from '../store.ts';

/** The `fork` command. */
export async function forkCommand(holder: ContextHolder, cmd: Command, threadId: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<{ at: string; id?: string }>();
  const newThreadId = o.id ?? randomIds.uuid();
  if (!ID_PATTERN.test(newThreadId)) throw new UsageError(`--id: '${newThreadId}' is not a thread id (1–128 of A-Z a-z 0-9 _ . : -)`);
  const result = await withStore(storeUrl, async (store) => {
    const at = (await threadRevision(store, threadId, o.at, '--at'))!;
    if ((await lastRevision(store, newThreadId)) !== undefined) throw new ThreadExistsError(newThreadId);
    return forkThread(store, { threadId, atRevision: at, newThreadId, ids: timeOrderedIds() });
  });
  io.out(`forked ${threadId}@${o.at} → ${result.threadId} (revision ${result.revision})`);
  io.out(`  look:     ${nextCommand(['show', result.threadId], storeUrl)}`);
  io.out(`  continue: ${nextCommand(['resume', result.threadId], storeUrl)}`);
  return 0;
}
