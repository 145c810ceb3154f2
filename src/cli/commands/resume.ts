/**
 * `orchestral resume <thread>`: continues a thread in the foreground — after a crash (step attempts
 * started and never finished run again with the same idempotency key; completed steps never do),
 * after an approval decided with `--no-wait`, or after an interrupt (every interrupted interaction
 * is resumed). Output and exit codes as `run`.
 */
import type { Command } from 'commander';
import { whoAmI, type ContextHolder } from '../context.ts';
import { driveThread } from '../drive.ts';
import { inspectIfAsked, type InspectOptions, type LiveInspection } from '../live-inspect.ts';
import { sessionForThread } from '../session.ts';
import { withLeases } from '../leases.ts';
import { describeOwner } from '../owner-line.ts';
import { withStore } from '../store.ts';

interface ResumeOptions extends InspectOptions {
  json: boolean;
  prompt: boolean;
  workspace?: string;
  actions?: string[];
  by?: string;
}

/** The `resume` command. */
export async function resumeCommand(holder: ContextHolder, cmd: Command, threadId: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<ResumeOptions>();
  return withStore(storeUrl, async (store) => withLeases(storeUrl, async (leases) => {
    const session = await sessionForThread(store, threadId, { workspace: o.workspace, extraModules: o.actions, leases });
    const { runtime } = session;
    let inspection: LiveInspection | undefined;
    try {
      const loaded = await runtime.load(threadId);
      inspection = await inspectIfAsked(runtime, threadId, o, io);
      const by = whoAmI(o.by);
      const interrupted = loaded.live.filter((id) => loaded.interactions[id]?.status === 'interrupted');
      if (!o.json) io.out(`${io.color.bold('resuming thread')} ${threadId} at revision ${loaded.revision} · workspace ${session.workspace}`);
      if (!o.json && !runtime.owner(threadId).owned) io.out(describeOwner(runtime.owner(threadId)));
      const ids = loaded.live.length > 0 ? [...loaded.live] : Object.keys(loaded.interactions).slice(-1);
      if (interrupted.length > 0) await runtime.resume(threadId, { by });
      const result = await driveThread(session, store, io, {
        threadId,
        interactionIds: ids,
        json: o.json,
        prompt: o.prompt,
        by,
        storeUrl,
        fromRevision: loaded.revision + 1n,
      });
      return result.exitCode;
    } finally {
      await inspection?.stop();
      await runtime.close();
    }
  }));
}
