/**
 * The step change log of the fold (src/history/fold/thread-state.ts): which step keys each write changed,
 * so views and the executor can update in O(changed steps) instead of comparing every step.
 */
import { recordNote, setRecordNote } from './step-table.ts';

/** A steps record of a ThreadState (step key → step snapshot); only its identity matters here. */
type StepRecord = Readonly<Record<string, unknown>>;

/**
 * Which step keys the fold wrote into a steps record, in order, and the record it was copied from
 * (with that record's log length at the time): lets a reader that saw an earlier record (or the same
 * record earlier, through a fold session's `peek`) find what changed in O(changes) instead of
 * comparing every step. Records the fold did not create (restored from a snapshot cache, built by
 * hand) have no log until copied: readers fall back to a full comparison.
 */
interface StepLog {
  parent: { log: StepLog; length: number } | undefined;
  keys: string[];
  /** Logs started before this one in its lineage (counts on past a cut: it only times the cuts). */
  depth: number;
}
/** Logs of plain records (a fresh state's empty record, hand-built ones); a record of step-table.ts keeps its own. */
const plainLogs = new WeakMap<StepRecord, StepLog>();

const logFor = (rec: StepRecord): StepLog | undefined => (recordNote(rec) as StepLog | undefined) ?? plainLogs.get(rec);

function keepLog(rec: StepRecord, log: StepLog): void {
  if (!setRecordNote(rec, log)) plainLogs.set(rec, log);
}

function logOf(rec: StepRecord): { log: StepLog; length: number } {
  let log = logFor(rec);
  if (log === undefined) keepLog(rec, (log = { parent: undefined, keys: [], depth: 0 }));
  return { log, length: log.keys.length };
}

/** A position in the step change log: the steps record of a state and how many writes it had then. */
export interface StepLogMark {
  readonly log: object;
  readonly length: number;
}

/** The current position of `steps` in the change log (see `stepKeysChangedSince`). */
export function stepLogMark(steps: StepRecord): StepLogMark {
  return logOf(steps);
}

/** Ancestors searched by `stepKeysChangedSince` before it gives up. */
const MAX_LOG_DEPTH = 64;

/**
 * Step keys written (possibly with repeats, possibly with the same snapshot) between `mark` and the
 * current content of `steps`, or undefined when the log cannot tell (another lineage, too far back):
 * then the caller compares every step.
 */
export function stepKeysChangedSince(steps: StepRecord, mark: StepLogMark): string[] | undefined {
  const chain: Array<{ log: StepLog; from: number; to: number }> = [];
  let log = logFor(steps);
  let to = log?.keys.length ?? 0;
  for (let depth = 0; log !== undefined && depth < MAX_LOG_DEPTH; depth++) {
    if (log === mark.log) {
      if (mark.length > to) return undefined;
      chain.push({ log, from: mark.length, to });
      const out: string[] = [];
      for (let i = chain.length - 1; i >= 0; i--) {
        const c = chain[i]!;
        for (let k = c.from; k < c.to; k++) out.push(c.log.keys[k]!);
      }
      return out;
    }
    chain.push({ log, from: 0, to });
    if (log.parent === undefined) return undefined;
    to = log.parent.length;
    log = log.parent.log;
  }
  return undefined;
}

/**
 * Called by the fold when it copies `parent` into `child` before writing into it: starts child's log.
 * Every MAX_LOG_DEPTH logs of a lineage, the link to the logs further back than `stepKeysChangedSince`
 * ever searches is cut, so a thread's logs do not pile up with its appends (one log per record, one
 * record per write-ahead cycle): at most 2 × MAX_LOG_DEPTH stay reachable from the newest record.
 */
export function startStepLog(child: StepRecord, parent: StepRecord): void {
  const from = logOf(parent);
  const log: StepLog = { parent: from, keys: [], depth: from.log.depth + 1 };
  keepLog(child, log);
  if (log.depth % MAX_LOG_DEPTH !== 0) return;
  let oldest: StepLog | undefined = log;
  for (let i = 0; i < MAX_LOG_DEPTH && oldest !== undefined; i++) oldest = oldest.parent?.log;
  if (oldest !== undefined) oldest.parent = undefined;
}

/** Called by the fold after it wrote step `key` into `rec` (a record it copied, see `startStepLog`). */
export function logStepWrite(rec: StepRecord, key: string): void {
  logFor(rec)?.keys.push(key);
}
