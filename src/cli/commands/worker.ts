/**
 * `orchestral worker [--concurrency N] [--id NAME] [--lease-ttl MS] [--poll MS]`: runs the threads
 * of the store that need an owner until SIGTERM/SIGINT (then records the results already arrived,
 * aborts the rest, gives every thread back and exits 0). Several workers (and CLI processes) share a store; each thread is run by at most one
 * of them at a time (its lease). One line per event on stdout: `claimed`, `released`, `skipped`, `error`.
 */
import type { Command } from 'commander';
import { processIdentity, startWorker, systemClock } from '../../index.ts';
import { buildActionRegistry } from '../action-modules.ts';
import { positiveInt } from '../args.ts';
import type { ContextHolder } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { withLeases } from '../leases.ts';
import { sessionForThread } from '../session.ts';
import { withStore } from '../store.ts';
import { untilStopSignal } from '../until-stopped.ts';

interface WorkerCliOptions {
  concurrency: string;
  id?: string;
  leaseTtl: string;
  poll: string;
}

/** The `worker` command. */
export async function workerCommand(holder: ContextHolder, cmd: Command): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<WorkerCliOptions>();
  const concurrency = positiveInt(o.concurrency, '--concurrency');
  const ttlMs = positiveInt(o.leaseTtl, '--lease-ttl');
  const pollMs = positiveInt(o.poll, '--poll');
  const identity = processIdentity(o.id);
  return withStore(storeUrl, async (store) =>
    withLeases(storeUrl, async (leases) => {
      const actions = await buildActionRegistry({ modules: [], modelPlanned: true });
      const worker = startWorker({
        store,
        leases,
        identity,
        clock: systemClock,
        actions,
        concurrency,
        pollMs,
        runtimeFor: async (threadId) =>
          (await sessionForThread(store, threadId, { leases, ownership: { mode: 'own', identity, ttlMs, retryMs: pollMs } })).runtime,
        onEvent: (e) => io.out(`worker ${identity.id}: ${e.type} ${e.threadId}${e.detail !== undefined ? ` (${e.detail})` : ''}`),
      });
      io.out(`worker ${identity.id} (pid ${identity.pid}) on ${storeUrl}: concurrency ${concurrency}, lease ttl ${ttlMs} ms`);
      await worker.ready;
      await untilStopSignal();
      await worker.stop();
      io.out(`worker ${identity.id}: stopped; its threads were handed back`);
      return EXIT.ok;
    }),
  );
}
