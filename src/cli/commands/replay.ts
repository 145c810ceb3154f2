/**
 * `orchestral replay <thread> [--to REV] [--json] [--verify]`: rebuilds the thread's snapshot by
 * folding its facts through the machines (src/history/replay.ts) — no planner, no action runs — and
 * prints it. `--verify` also compares each fact's recorded `snapshotHash` with the replayed state's
 * hash and fails (exit 1) naming the first revision that diverges.
 */
import type { Command } from 'commander';
import { replayThread } from '../../history.ts';
import { hashThreadState, type ThreadState } from '../../history.ts';
import { threadSummary } from '../../history.ts';
import type { InteractionView } from '../../history.ts';
import { threadRevision } from '../args.ts';
import type { ContextHolder } from '../context.ts';
import { toJsonLine } from '../json.ts';
import { safeText } from '../render/safe-text.ts';
import { colorFor, statusMark } from '../render/status-marks.ts';
import { withStore } from '../store.ts';

/** The replayed snapshot as plain data. `steps` keyed `<interactionId>/<planId>/<stepId>`. */
export interface ReplaySnapshot {
  threadId: string;
  revision: number;
  hash: string;
  verified: boolean;
  thread: { status: string; title: string | null; policy: string; live: string[]; spentUsd: number };
  interactions: Record<string, InteractionView>;
  steps: Record<string, { status: string; attempts: number; output?: unknown; error?: unknown }>;
}

/** Plain data of a replayed state. */
export function snapshotOf(state: ThreadState, verified: boolean): ReplaySnapshot {
  const s = threadSummary(state);
  const steps: ReplaySnapshot['steps'] = {};
  for (const [key, snap] of Object.entries(state.steps)) {
    const c = snap.context;
    steps[key] = {
      status: String(snap.value),
      attempts: c.attempts,
      ...(c.output !== undefined ? { output: c.output } : {}),
      ...(c.error !== undefined ? { error: c.error } : {}),
    };
  }
  return {
    threadId: state.threadId,
    revision: Number(state.revision),
    hash: hashThreadState(state),
    verified,
    thread: { status: s.status, title: s.title ?? null, policy: s.policy.kind, live: s.live, spentUsd: s.spentUsd },
    interactions: s.interactions,
    steps,
  };
}

/** The `replay` command. */
export async function replayCommand(holder: ContextHolder, cmd: Command, threadId: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<{ to?: string; json: boolean; verify: boolean }>();
  const snap = await withStore(storeUrl, async (store) => {
    const toRevision = await threadRevision(store, threadId, o.to, '--to');
    const state = await replayThread(store, threadId, { ...(toRevision !== undefined ? { toRevision } : {}), verify: o.verify });
    return snapshotOf(state, o.verify);
  });
  if (o.json) {
    io.out(toJsonLine(snap));
    return 0;
  }
  const c = io.color;
  io.out(`${c.bold(`thread ${snap.threadId}`)} replayed to revision ${snap.revision} · hash ${snap.hash}${snap.verified ? c.green(' · verified against the recorded hashes') : ''}`);
  io.out(`  status ${snap.thread.status} · policy ${snap.thread.policy} · spent $${snap.thread.spentUsd.toFixed(4)}${snap.thread.live.length ? ` · live ${snap.thread.live.join(', ')}` : ''}`);
  for (const v of Object.values(snap.interactions)) {
    io.out(`  interaction ${v.interactionId} ${colorFor(c, v.status, v.status)} (iteration ${v.iteration})${v.answer ? c.dim(` — ${safeText(v.answer.split('\n')[0]!)}`) : ''}`);
  }
  for (const [key, t] of Object.entries(snap.steps)) {
    io.out(`    ${colorFor(c, t.status, statusMark(t.status))} ${key} ${colorFor(c, t.status, t.status)} (${t.attempts} attempt${t.attempts === 1 ? '' : 's'})`);
  }
  return 0;
}
