/**
 * `orchestral cancel <thread> [--interaction ID] [--reason …]`: cancels the thread's live
 * interactions (or one); running steps are aborted and recorded as cancelled.
 */
import type { Command } from 'commander';
import type { ContextHolder } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { sessionForThread } from '../session.ts';
import { withLeases } from '../leases.ts';
import { withStore } from '../store.ts';

/** The `cancel` command. */
export async function cancelCommand(holder: ContextHolder, cmd: Command, threadId: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<{ interaction?: string; reason: string }>();
  return withStore(storeUrl, async (store) => withLeases(storeUrl, async (leases) => {
    // Appends the cancellation only: the owner (if any) aborts its running steps when it reads it.
    const session = await sessionForThread(store, threadId, { lazyPlanner: true, leases, ownership: 'append' });
    const { runtime } = session;
    try {
      const { cancelled } = await runtime.cancel(threadId, { reason: o.reason, ...(o.interaction !== undefined ? { interactionId: o.interaction } : {}) });
      await runtime.whenIdle(threadId);
      io.out(`cancelled ${cancelled.join(', ')} of thread ${threadId}`);
      return EXIT.ok;
    } finally {
      await runtime.close();
    }
  }));
}
