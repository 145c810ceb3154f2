/**
 * Live output while a thread runs, in one of three modes:
 * - `tty`: the step table (render/step-table.ts) redrawn in place (render/live-table.ts), at most every 100 ms;
 * - `log`: one line per step status change (for pipes and CI logs);
 * - `json`: the live interaction stream — the user-facing updates of the followed interactions
 *   (`thought`, `tool_start`, `tool_end`, `content`, `done`, `error`: src/projections/interaction-updates.ts),
 *   one JSON line each (revision and position as strings), from the facts read from the store in order,
 *   with the text pieces of streamed LLM answers (`runtime.deltas$`: `thought`/`content` lines with
 *   `kind: 'delta'`, `ephemeral: true` and no position — never stored) printed as they arrive, in
 *   order with the stored updates printed before them.
 */
import type { Subscription } from 'rxjs';
import type { Runtime } from '../index.ts';
import type { ThreadSummary } from '../index.ts';
import type { EventStore } from '../index.ts';
import { historyEvents } from '../history.ts';
import type { CliIo } from './io.ts';
import { toJsonLine } from './json.ts';
import { initialUpdateContext, interactionUpdatesOf, recordedFactOf, summaryState } from '../history.ts';
import { createLiveBlock } from './render/live-table.ts';
import { renderStepTable, stepRows } from './render/step-table.ts';
import { colorFor, statusMark } from './render/status-marks.ts';

/** Output modes. */
export type ProgressMode = 'tty' | 'log' | 'json';

/** A running progress display. */
export interface Progress {
  /** Which interaction the table follows (the latest started one by default). */
  follow(interactionId: string): void;
  /** Stops listening; prints what is left (json: every fact not printed yet; tty: the final table). */
  stop(): Promise<void>;
}

/** The mode for `io` and `--json`. */
export function progressMode(io: CliIo, json: boolean): ProgressMode {
  return json ? 'json' : io.stdoutTTY ? 'tty' : 'log';
}

function latestInteraction(s: ThreadSummary): string | undefined {
  const ids = Object.keys(s.interactions);
  return ids[ids.length - 1];
}

/**
 * Starts the display for `threadId` (already loaded in `runtime`). json mode prints the updates of
 * `interactionIds` produced by facts from `fromRevision` on.
 */
export function startProgress(
  runtime: Runtime,
  store: EventStore,
  io: CliIo,
  o: { threadId: string; mode: ProgressMode; fromRevision: bigint; interactionIds: readonly string[] },
): Progress {
  let followed: string | undefined;
  let last: ThreadSummary | undefined;
  let sub: Subscription | undefined;
  if (o.mode === 'json') {
    // Rebuilt from revision 0 (the mapping needs each step's action); printed from `fromRevision`.
    let next = 0n;
    let contexts = o.interactionIds.map((id) => initialUpdateContext(id));
    let chain = Promise.resolve();
    const flush = (): Promise<void> => {
      chain = chain
        .then(async () => {
          for await (const e of historyEvents(store, o.threadId, { fromRevision: next })) {
            next = e.revision + 1n;
            const fact = recordedFactOf(e);
            if (!fact) continue;
            contexts = contexts.map((ctx) => {
              const r = interactionUpdatesOf(ctx, fact);
              if (e.revision >= o.fromRevision) for (const u of r.updates) io.out(toJsonLine(u));
              return r.context;
            });
          }
        })
        .catch((err: unknown) => io.err(`orchestral: interaction stream: ${(err as Error).message}`));
      return chain;
    };
    sub = runtime.state$(o.threadId).subscribe(() => void flush());
    const live = runtime.deltas$(o.threadId).subscribe((d) => {
      if (o.interactionIds.includes(d.interactionId)) chain = chain.then(() => io.out(toJsonLine(d)));
    });
    return {
      follow: () => undefined,
      async stop() {
        sub?.unsubscribe();
        live.unsubscribe();
        await flush();
      },
    };
  }
  if (o.mode === 'log') {
    const seen = new Map<string, string>();
    const onState = (s: ThreadSummary): void => {
      last = s;
      const id = followed ?? latestInteraction(s);
      if (id === undefined) return;
      for (const r of stepRows(summaryState(s), id, Date.now())) {
        const key = `${r.planId}/${r.stepId}`;
        const label = `${r.status}:${r.attempts}`;
        if (seen.get(key) === label || r.status === 'pending') continue;
        seen.set(key, label);
        const mark = colorFor(io.color, r.status, statusMark(r.status));
        io.out(`  ${mark} ${r.stepId} ${colorFor(io.color, r.status, r.status)}${r.note ? ` — ${r.note}` : ''}`);
      }
    };
    sub = runtime.state$(o.threadId).subscribe(onState);
    return {
      follow: (id) => void (followed = id),
      async stop() {
        sub?.unsubscribe();
        if (last) onState(last);
      },
    };
  }
  const block = createLiveBlock(io.liveStream);
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    timer = undefined;
    if (!last) return;
    const id = followed ?? latestInteraction(last);
    if (id === undefined) return;
    block.draw(renderStepTable(io.color, summaryState(last), id, Date.now(), { columns: io.liveStream.columns || 80 }));
  };
  sub = runtime.state$(o.threadId).subscribe((s) => {
    last = s;
    timer ??= setTimeout(draw, 100);
  });
  const ticker = setInterval(() => (timer ??= setTimeout(draw, 0)), 1000);
  return {
    follow: (id) => void (followed = id),
    async stop() {
      sub?.unsubscribe();
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      draw();
      block.done();
    },
  };
}
