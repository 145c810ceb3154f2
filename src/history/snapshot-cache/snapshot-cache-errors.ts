/**
 * Errors of decoding a snapshot cache entry (snapshot-cache-format.ts): an entry written by other
 * machine code, and an entry whose part read on demand is not what was written.
 */
import { hasErrorCode, OrchestralError } from '../../errors/orchestral-error.ts';

/**
 * Thrown by `decodeThreadState` for an entry written by other machine code (its `machineHash`,
 * 16 hex chars, is not the hash of the machines asked for): it would not equal the fold it replaces.
 */
export class SnapshotMachineMismatchError extends OrchestralError {
  constructor(
    readonly threadId: string,
    readonly revision: string,
    readonly entryHash: string,
    readonly machineHash: string,
  ) {
    super('SNAPSHOT_MACHINE_MISMATCH', `snapshot of thread '${threadId}' at revision ${revision} was written by machines ${entryHash}, not ${machineHash}`);
  }
}

/** True when `err` is a SnapshotMachineMismatchError (code SNAPSHOT_MACHINE_MISMATCH). */
export function isSnapshotMachineMismatchError(err: unknown): err is SnapshotMachineMismatchError {
  return hasErrorCode(err, 'SNAPSHOT_MACHINE_MISMATCH');
}

/**
 * Thrown when an actor of a decoded entry is first read and the part of the entry text it is made
 * from (an interaction's text, a run of step rows) does not match the checksum written with it, does
 * not parse, or does not fit the rest of the entry: the stored text was changed after it was
 * written. Thrown on first read, not by `decodeThreadState` (which reads those parts on demand);
 * never a wrong snapshot instead. `part` names the part, e.g. `interaction 'i6'`; `revision` is the
 * entry's, as a decimal string.
 */
export class SnapshotEntryCorruptError extends OrchestralError {
  constructor(
    readonly threadId: string,
    readonly revision: string,
    readonly part: string,
    reason: string,
  ) {
    super('SNAPSHOT_ENTRY_CORRUPT', `snapshot of thread '${threadId}' at revision ${revision} is corrupt: ${part} ${reason} (deleting the thread's cached snapshots makes it fold from its facts)`);
  }
}

/** True when `err` is a SnapshotEntryCorruptError (code SNAPSHOT_ENTRY_CORRUPT). */
export function isSnapshotEntryCorruptError(err: unknown): err is SnapshotEntryCorruptError {
  return hasErrorCode(err, 'SNAPSHOT_ENTRY_CORRUPT');
}
