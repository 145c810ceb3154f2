/**
 * The task change log of the fold (src/history/fold/thread-state.ts): which task keys each write changed,
 * so views and the executor can update in O(changed tasks) instead of comparing every task.
 */

/** A tasks record of a ThreadState (task key → task snapshot); only its identity matters here. */
type TaskRecord = Readonly<Record<string, unknown>>;

/**
 * Which task keys the fold wrote into a tasks record, in order, and the record it was copied from
 * (with that record's log length at the time): lets a reader that saw an earlier record (or the same
 * record earlier, through a fold session's `peek`) find what changed in O(changes) instead of
 * comparing every task. Records the fold did not create (restored from a snapshot cache, built by
 * hand) have no log until copied: readers fall back to a full comparison.
 */
interface TaskLog {
  parent: { log: TaskLog; length: number } | undefined;
  keys: string[];
}
const taskLogs = new WeakMap<TaskRecord, TaskLog>();

function logOf(rec: TaskRecord): { log: TaskLog; length: number } {
  let log = taskLogs.get(rec);
  if (log === undefined) taskLogs.set(rec, (log = { parent: undefined, keys: [] }));
  return { log, length: log.keys.length };
}

/** A position in the task change log: the tasks record of a state and how many writes it had then. */
export interface TaskLogMark {
  readonly log: object;
  readonly length: number;
}

/** The current position of `tasks` in the change log (see `taskKeysChangedSince`). */
export function taskLogMark(tasks: TaskRecord): TaskLogMark {
  return logOf(tasks);
}

/** Ancestors searched by `taskKeysChangedSince` before it gives up. */
const MAX_LOG_DEPTH = 64;

/**
 * Task keys written (possibly with repeats, possibly with the same snapshot) between `mark` and the
 * current content of `tasks`, or undefined when the log cannot tell (another lineage, too far back):
 * then the caller compares every task.
 */
export function taskKeysChangedSince(tasks: TaskRecord, mark: TaskLogMark): string[] | undefined {
  const chain: Array<{ log: TaskLog; from: number; to: number }> = [];
  let log = taskLogs.get(tasks);
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

/** Called by the fold when it copies `parent` into `child` before writing into it: starts child's log. */
export function startTaskLog(child: TaskRecord, parent: TaskRecord): void {
  taskLogs.set(child, { parent: logOf(parent), keys: [] });
}

/** Called by the fold after it wrote task `key` into `rec` (a record it copied, see `startTaskLog`). */
export function logTaskWrite(rec: TaskRecord, key: string): void {
  taskLogs.get(rec)?.keys.push(key);
}
