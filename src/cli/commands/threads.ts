/**
 * `orchestral threads [--json]`: every thread of the store, from the persisted `threads` projection
 * kept beside the log (`open-projection-store.ts`): its stored row is caught up with the facts after
 * its checkpoint, and the new row saved, so a call reads only what was appended since the last one.
 */
import type { Command } from 'commander';
import {
  catchUpPersisted,
  createInMemoryProjectionStore,
  isProjectionStoreError,
  openProjectionStore,
  threadListings,
  threadsProjection,
  type ThreadListing,
} from '../../read.ts';
import { parseStoreUrl } from '../../base.ts';
import type { ProjectionStore } from '../../index.ts';
import type { EventStore } from '../../index.ts';
import type { ContextHolder } from '../context.ts';
import { toJsonLine } from '../json.ts';
import { safeText } from '../render/safe-text.ts';
import { holderJson, readOwners } from '../owners.ts';
import { withStore } from '../store.ts';

/**
 * The projection store beside `storeUrl`'s log; a SQLite file this process cannot write is opened
 * read-only (its stored row is still the starting point); failing that, an empty in-memory store.
 */
async function projectionRowsFor(storeUrl: string): Promise<ProjectionStore> {
  try {
    return (await openProjectionStore(storeUrl)).rows;
  } catch (err) {
    if (!isProjectionStoreError(err)) throw err;
    const location = parseStoreUrl(storeUrl);
    if (location.kind === 'sqlite') {
      try {
        const { openSqliteProjectionStore } = await import('../../stores/sqlite.ts');
        return openSqliteProjectionStore({ path: location.path, readOnly: true });
      } catch (again) {
        if (!isProjectionStoreError(again)) throw again;
      }
    }
    return createInMemoryProjectionStore();
  }
}

/**
 * Every thread's listing, most recently active first: the persisted `threads` projection of the store
 * at `storeUrl`, caught up from its checkpoint (the new checkpoint saved when the store is writable).
 * @throws ProjectionStoreError a stored row is unreadable; ProjectionError a fact the projection refuses.
 */
export async function listStoredThreads(store: EventStore, storeUrl: string): Promise<ThreadListing[]> {
  const rows = await projectionRowsFor(storeUrl);
  try {
    return threadListings((await catchUpPersisted(threadsProjection, store, rows)).state);
  } finally {
    await rows.close();
  }
}

/** The `threads` command. */
export async function threadsCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const json = cmd.opts<{ json: boolean }>().json;
  const { threads, owners } = await withStore(storeUrl, async (store) => ({ threads: await listStoredThreads(store, storeUrl), owners: await readOwners(storeUrl) }));
  if (json) {
    // One write per 1 000 lines: a write per line costs more than the JSON of 10 000 threads.
    const lines: string[] = [];
    for (const t of threads) {
      const owner = owners.get(t.threadId);
      // The listing's JSON with `owner` as its last key (as `{ ...t, owner }` would write it), without copying the listing.
      const listing = toJsonLine(t);
      lines.push(`${listing.slice(0, -1)}${listing.length > 2 ? ',' : ''}"owner":${owner ? toJsonLine(holderJson(owner)) : 'null'}}`);
      if (lines.length === 1000) io.out(lines.splice(0).join('\n'));
    }
    if (lines.length > 0) io.out(lines.join('\n'));
    return 0;
  }
  if (threads.length === 0) {
    io.out(`no threads in ${storeUrl} (start one with: npx orchestral run examples/audit/plan.yaml)`);
    return 0;
  }
  // every fitted cell is ASCII (ids, statuses, numbers, ISO times): no string-width
  const { colorFor, fitAscii: fit } = await import('../render/status-marks.ts');
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
