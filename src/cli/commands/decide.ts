/**
 * `orchestral approve|reject <thread> <step> [--reason …] [--by …] [--no-wait]` (approve also
 * `[--extend-budget USD]`): decides a pending approval (named by step id or approval id), then —
 * unless `--no-wait` — continues the run in the foreground like `resume` (same output and exit codes).
 */
import type { Command } from 'commander';
import { whoAmI, type ContextHolder } from '../context.ts';
import { driveThread } from '../drive.ts';
import { inspectIfAsked, type InspectOptions, type LiveInspection } from '../live-inspect.ts';
import { UsageError } from '../cli-errors.ts';
import { EXIT } from '../exit-codes.ts';
import { sessionForThread } from '../session.ts';
import { withLeases } from '../leases.ts';
import { withStore } from '../store.ts';

interface DecideOptions extends InspectOptions {
  reason?: string;
  extendBudget?: string;
  by?: string;
  wait: boolean;
  json: boolean;
  workspace?: string;
  actions?: string[];
}

/** The `approve` and `reject` commands. */
export async function decideCommand(holder: ContextHolder, verb: 'approve' | 'reject', cmd: Command, threadId: string, target: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<DecideOptions>();
  const extendBudgetUsd = o.extendBudget === undefined ? undefined : parseUsd(o.extendBudget);
  return withStore(storeUrl, async (store) => withLeases(storeUrl, async (leases) => {
    // Without --no-wait this process may run the thread (it takes the lease when free); with it, it only appends.
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
      const decided = await runtime[verb](threadId, target, {
        by,
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
        ...(extendBudgetUsd !== undefined ? { extendBudgetUsd } : {}),
      });
      const what = decided.stepId !== undefined ? `step '${decided.stepId}'` : `plan ${decided.planId}`;
      if (!o.json) io.out(`${verb === 'approve' ? io.color.green('approved') : io.color.magenta('rejected')} ${what} of interaction ${decided.interactionId} (${decided.approvalId}) by ${by}`);
      if (!o.wait) return EXIT.ok;
      const result = await driveThread(session, store, io, {
        threadId,
        interactionIds: [decided.interactionId],
        json: o.json,
        prompt: true,
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

/** Parses `--extend-budget`: a positive amount of USD. @throws UsageError otherwise. */
function parseUsd(value: string): number {
  const usd = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(usd > 0)) throw new UsageError(`--extend-budget: expected a positive amount of USD such as 0.25, got '${value}'`);
  return usd;
}
