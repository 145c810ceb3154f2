/**
 * `orchestral verify [--json]`: checks every event of the store named by `--store` against its
 * chained checksum (see `src/store/integrity.ts`) and lists each damaged event: stream, revision,
 * position and reason (checksum mismatch, chain broken, revision gap, undecodable). Exit 0 when
 * the store is intact, 1 when an event is damaged or the store cannot be read. Reads only; a
 * store that does not exist is an error (`not_found`), never created (`withStore`).
 */
import type { Command } from 'commander';
import type { EventIntegrityError } from '../../index.ts';
import type { EventStore } from '../../index.ts';
import type { ContextHolder } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { toJsonLine } from '../json.ts';
import { withStore } from '../store.ts';

/** Options of the verify command. */
export interface VerifyOptions {
  /** One JSON object per damaged event (`streamId`, `revision`, `position` as strings, `reason`, `detail`), then a summary object. */
  json?: boolean;
}

/** One line naming a damaged event: `thread-t1 revision 3 (position 9): checksum mismatch: …`. */
export function formatIssue(issue: EventIntegrityError): string {
  return `${issue.streamId} revision ${issue.revision} (position ${issue.position}): ${issue.reason.replace('_', ' ')}: ${issue.detail}`;
}

/**
 * Scans `store` and writes one line per damaged event to `out`, then a summary line.
 * @returns EXIT.ok when no event is damaged, EXIT.failed otherwise.
 * @throws StoreCorruptError / StoreClosedError the store cannot be read at all.
 */
export async function verifyStore(store: EventStore, opts: VerifyOptions, out: (line: string) => void): Promise<number> {
  let damaged = 0;
  for await (const issue of store.verifyIntegrity()) {
    damaged++;
    out(opts.json ? toJsonLine({ streamId: issue.streamId, revision: issue.revision, position: issue.position, reason: issue.reason, detail: issue.detail }) : formatIssue(issue));
  }
  if (opts.json) out(toJsonLine({ damaged }));
  else out(damaged === 0 ? 'verified: every event matches its checksum' : `${damaged} damaged event${damaged === 1 ? '' : 's'}`);
  return damaged === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * The `verify` command as commander calls it.
 * @throws StoreOpenError `not_found` the store does not exist (nothing is created).
 */
export function verifyCli(holder: ContextHolder, cmd: Command): Promise<number> {
  const { io, storeUrl } = holder.get(cmd);
  return withStore(storeUrl, (store) => verifyStore(store, cmd.opts<VerifyOptions>(), io.out));
}
