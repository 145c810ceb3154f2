/**
 * `orchestral threads [--json]`: every thread of the store, from the persisted `threads` projection
 * kept beside the log (`open-projection-store.ts`): its stored row is caught up with the facts after
 * its checkpoint, and the new row saved, so a call reads only what was appended since the last one.
 * `--json` prints the lines kept beside that row (`threads-lines.ts`) when the log has not moved
 * since they were rendered.
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
import { safeText } from '../render/safe-text.ts';
import { readOwners } from '../owners.ts';
import { threadLines } from '../threads-lines.ts';
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

/** Runs `fn` with the projection store beside `storeUrl`'s log (see `projectionRowsFor`), closed after. */
async function withProjectionRows<T>(storeUrl: string, fn: (rows: ProjectionStore) => Promise<T>): Promise<T> {
  const rows = await projectionRowsFor(storeUrl);
  try {
    return await fn(rows);
  } finally {
    await rows.close();
  }
}

/** The listings of the `threads` projection caught up from its stored checkpoint, and the position it reached. */
async function caughtUpListings(store: EventStore, rows: ProjectionStore): Promise<{ threads: ThreadListing[]; position: bigint }> {
  const caught = await catchUpPersisted(threadsProjection, store, rows);
  return { threads: threadListings(caught.state), position: caught.position };
}

/**
 * Every thread's listing, most recently active first: the persisted `threads` projection of the store
 * at `storeUrl`, caught up from its checkpoint (the new checkpoint saved when the store is writable).
 * @throws ProjectionStoreError a stored row is unreadable; ProjectionError a fact the projection refuses.
 */
export async function listStoredThreads(store: EventStore, storeUrl: string): Promise<ThreadListing[]> {
  return withProjectionRows(storeUrl, async (rows) => (await caughtUpListings(store, rows)).threads);
}

/** The `threads` command. */
export async function threadsCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const json = cmd.opts<{ json: boolean }>().json;
  if (json) {
    // The stored lines when the log has not moved since they were rendered (threads-lines.ts).
    const lines = await withStore(storeUrl, async (store) => {
      const owners = await readOwners(storeUrl);
      return withProjectionRows(storeUrl, (rows) => threadLines(store, rows, owners, () => caughtUpListings(store, rows)));
    });
    // One write per 1 000 lines: a write per line costs more than the JSON of 10 000 threads.
    for (let i = 0; i < lines.length; i += 1000) io.out(lines.slice(i, i + 1000).join('\n'));
    return 0;
  }
  const { threads, owners } = await withStore(storeUrl, async (store) => ({ threads: await listStoredThreads(store, storeUrl), owners: await readOwners(storeUrl) }));
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
