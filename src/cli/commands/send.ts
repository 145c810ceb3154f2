/**
 * `orchestral send <thread> "input"`: new input through the thread's concurrency policy
 * (start, enqueue, steer, interrupt or reject), then — unless `--no-wait` — follows the interaction
 * it started or steered. Exit 3 when the policy rejects the input.
 */
import type { Command } from 'commander';
import { whoAmI, type ContextHolder } from '../context.ts';
import { driveThread } from '../drive.ts';
import { inspectIfAsked, type InspectOptions, type LiveInspection } from '../live-inspect.ts';
import { EXIT } from '../exit-codes.ts';
import { sessionForThread } from '../session.ts';
import { withLeases } from '../leases.ts';
import { withStore } from '../store.ts';

interface SendOptions extends InspectOptions {
  by?: string;
  wait: boolean;
  json: boolean;
  prompt: boolean;
  workspace?: string;
  actions?: string[];
}

/** The `send` command. */
export async function sendCommand(holder: ContextHolder, cmd: Command, threadId: string, text: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<SendOptions>();
  return withStore(storeUrl, async (store) => withLeases(storeUrl, async (leases) => {
    // --no-wait only appends the input (the owner, or the next resume/worker, plans it): no planner needed.
    const session = await sessionForThread(store, threadId, {
      workspace: o.workspace,
      extraModules: o.actions,
      lazyPlanner: !o.wait,
      leases,
      ownership: o.wait ? 'own' : 'append',
    });
    const { runtime } = session;
    let inspection: LiveInspection | undefined;
    try {
      await runtime.load(threadId);
      inspection = await inspectIfAsked(runtime, threadId, o, io);
      const fromRevision = runtime.state(threadId).revision + 1n;
      const by = whoAmI(o.by);
      const sent = await runtime.send(threadId, text, { from: by });
      if (!o.json) io.out(`input ${sent.inputId}: ${sent.decision}${sent.interactionId ? ` → interaction ${sent.interactionId}` : ''} (${sent.reason})`);
      if (sent.decision === 'reject') return EXIT.rejected;
      if (!o.wait) return EXIT.ok;
      if (sent.decision === 'enqueue' || sent.interactionId === undefined) return EXIT.paused;
      const result = await driveThread(session, store, io, {
        threadId,
        interactionIds: [sent.interactionId],
        json: o.json,
        prompt: o.prompt,
        by,
        storeUrl,
        fromRevision,
      });
      return result.exitCode;
    } finally {
      await inspection?.stop();
      await runtime.close();
    }
  }));
}
