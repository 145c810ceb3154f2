/** `orchestral threads [--json]`: every thread of the store (the `threads` projection over the whole log). */
import type { Command } from 'commander';
import { listThreads } from '../../projections/list-threads.ts';
import type { ContextHolder } from '../context.ts';
import { toJsonLine } from '../json.ts';
import { safeText } from '../render/safe-text.ts';
import { colorFor, fit } from '../render/status-marks.ts';
import { holderJson, readOwners } from '../owners.ts';
import { withStore } from '../store.ts';

/** The `threads` command. */
export async function threadsCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const json = cmd.opts<{ json: boolean }>().json;
  const { threads, owners } = await withStore(storeUrl, async (store) => ({ threads: await listThreads(store), owners: await readOwners(storeUrl) }));
  if (json) {
    for (const t of threads) {
      const owner = owners.get(t.threadId);
      io.out(toJsonLine({ ...t, owner: owner ? holderJson(owner) : null }));
    }
    return 0;
  }
  if (threads.length === 0) {
    io.out(`no threads in ${storeUrl} (start one with: npx orchestral run examples/audit/plan.yaml)`);
    return 0;
  }
  const c = io.color;
  const idWidth = Math.max(6, ...threads.map((t) => t.threadId.length));
  io.out(c.dim(`${fit('THREAD', idWidth)}  ${fit('STATUS', 8)}  ${fit('FACTS', 6)}  ${fit('LAST ACTIVITY', 24)}  TITLE`));
  for (const t of threads) {
    const live = t.liveInteractions.map((l) => `${l.interactionId}:${l.state}`).join(' ');
    const owner = owners.get(t.threadId);
    const owned = owner ? c.dim(`  (run by pid ${owner.pid} on ${safeText(owner.host)} since ${new Date(owner.acquiredAtMs).toISOString()})`) : '';
    io.out(
      `${fit(t.threadId, idWidth)}  ${colorFor(c, t.status === 'active' ? 'running' : t.status === 'closed' ? 'cancelled' : 'completed', fit(t.status, 8))}  ${fit(String(t.factCount), 6)}  ${fit(new Date(t.lastActivityAtMs).toISOString(), 24)}  ${safeText(t.displayTitle)}${live ? c.dim(`  [${live}]`) : ''}${t.forkedFrom ? c.dim(`  (fork of ${t.forkedFrom.threadId}@${t.forkedFrom.revision})`) : ''}${owned}`,
    );
  }
  return 0;
}
