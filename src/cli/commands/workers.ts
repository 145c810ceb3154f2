/**
 * `orchestral workers [--json]`: the live lease holders of the store (CLI processes and workers
 * that run threads now), each with the threads it owns and since when.
 */
import type { Command } from 'commander';
import type { LeaseHolder } from '../../index.ts';
import type { ContextHolder } from '../context.ts';
import { toJsonLine } from '../json.ts';
import { holderJson, readLeases } from '../owners.ts';
import { fit } from '../render/fit.ts';
import { withStore } from '../store.ts';

/** One holder and its threads (sorted by thread id). */
export interface WorkerRow {
  holder: LeaseHolder;
  threads: Array<{ threadId: string; sinceMs: number }>;
}

/** The live holders of the store at `url`, by holder id. */
export async function listWorkers(url: string): Promise<WorkerRow[]> {
  const rows = new Map<string, WorkerRow>();
  for (const l of await readLeases(url)) {
    let row = rows.get(l.holder.id);
    if (!row) rows.set(l.holder.id, (row = { holder: l.holder, threads: [] }));
    row.threads.push({ threadId: l.threadId, sinceMs: l.holder.acquiredAtMs });
  }
  return [...rows.values()].sort((a, b) => a.holder.id.localeCompare(b.holder.id));
}

/** The `workers` command. */
export async function workersCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const json = cmd.opts<{ json: boolean }>().json;
  const workers = await withStore(storeUrl, () => listWorkers(storeUrl));
  if (json) {
    for (const w of workers) io.out(toJsonLine({ ...holderJson(w.holder), threads: w.threads.map((t) => ({ threadId: t.threadId, since: new Date(t.sinceMs).toISOString() })) }));
    return 0;
  }
  if (workers.length === 0) {
    io.out(`no process runs a thread of ${storeUrl} now`);
    return 0;
  }
  const c = io.color;
  const idWidth = Math.max(6, ...workers.map((w) => w.holder.id.length));
  io.out(c.dim(`${fit('HOLDER', idWidth)}  ${fit('PID', 8)}  ${fit('HOST', 16)}  THREADS (since)`));
  for (const w of workers) {
    const threads = w.threads.map((t) => `${t.threadId} (${new Date(t.sinceMs).toISOString()})`).join(', ');
    io.out(`${fit(w.holder.id, idWidth)}  ${fit(String(w.holder.pid), 8)}  ${fit(w.holder.host, 16)}  ${threads}`);
  }
  return 0;
}
