/**
 * `orchestral inspect <thread> [--to REV] [--inspect-url ws://…] [--inspect-port N]`: replays the
 * thread's facts through the machines with the Stately inspector attached (see inspector.ts).
 * With `--inspect-url` the events go to that WebSocket and the command exits once they are sent;
 * otherwise a local bridge opens the browser inspector, the facts are replayed once the page had
 * time to connect (Enter on a terminal, else 3 s), and the bridge serves until Ctrl-C. (The bridge
 * replays its last 200 events to a page that connects late.)
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { parsePort, threadRevision } from '../args.ts';
import type { ContextHolder } from '../context.ts';
import { createInspectionReplay } from '../../inspect/index.ts';
import { connectTarget } from '../live-inspect.ts';
import { withStore } from '../store.ts';
import { readThreadFacts } from '../../history.ts';

/** The `inspect` command. */
export async function inspectCommand(holder: ContextHolder, cmd: Command, threadId: string): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  const o = cmd.opts<{ to?: string; inspectUrl?: string; inspectPort?: string }>();
  const port = parsePort(o.inspectPort, '--inspect-port', 8080);
  const facts = await withStore(storeUrl, async (store) => {
    const toRevision = await threadRevision(store, threadId, o.to, '--to');
    return readThreadFacts(store, threadId, toRevision);
  });
  const conn = await connectTarget({ ...(o.inspectUrl !== undefined ? { url: o.inspectUrl } : {}), port }, io);
  if (o.inspectUrl === undefined) {
    if (io.interactive) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      await rl.question('press Enter once the inspector page is open… ');
      rl.close();
    } else await new Promise((r) => setTimeout(r, 3000));
  }
  const replay = createInspectionReplay((e) => conn.ws.adapter.send(e), threadId);
  for (const f of facts) replay.apply(f);
  await conn.ws.flush();
  io.out(`inspected thread ${threadId}: ${facts.length} facts (revisions 0..${facts.length - 1}) → ${replay.sent} inspection events${o.inspectUrl !== undefined ? ` to ${o.inspectUrl}` : ''}`);
  if (o.inspectUrl !== undefined) {
    conn.stop();
    return 0;
  }
  io.err('serving the inspector bridge; Ctrl-C to stop');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  conn.stop();
  return 0;
}
