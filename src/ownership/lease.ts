/**
 * The lease port: which process owns (runs the effects of) a thread. Exactly one holder at a time
 * per thread; everything else only appends facts. Adapters: `memory-leases.ts` (per process),
 * `sqlite-leases.ts` (a lease row in the store's file, with expiry and heartbeat),
 * `postgres-leases.ts` (a session-level advisory lock plus an informational row). Pick one by store
 * URL with `openLeaseStore` (`open-leases.ts`).
 *
 * Times are ms since the Unix epoch, from the adapter's injected `Clock`.
 */

/** Who asks for a lease: one process (or one worker) of one machine. */
export interface HolderIdentity {
  /** Unique per holder, e.g. `host:pid:random` or a worker's `--id`. */
  id: string;
  /** Operating-system process id of the holder. */
  pid: number;
  /** `/proc/sys/kernel/random/boot_id` of the holder's machine ('' when unknown). */
  bootId: string;
  /** Host name of the holder's machine. */
  host: string;
}

/** A lease as stored: the holder and its times (ms since epoch). */
export interface LeaseHolder extends HolderIdentity {
  acquiredAtMs: number;
  /**
   * When the lease ends unless renewed. PostgreSQL leases end when the holder's connection ends;
   * there this is the time the holder last promised to heartbeat by (informational).
   */
  expiresAtMs: number;
}

/**
 * The lease of `who` from `acquiredAtMs` to `expiresAtMs` (ms since epoch): a literal of the
 * identity's fields and the times. Not `{ ...who, acquiredAtMs, expiresAtMs }`: V8 (node 20) gives
 * each object made by a spread followed by keys the source lacks a hidden class of its own, in the
 * old generation (one per lease taken).
 */
export function leaseHolder(who: HolderIdentity, acquiredAtMs: number, expiresAtMs: number): LeaseHolder {
  return { id: who.id, pid: who.pid, bootId: who.bootId, host: who.host, acquiredAtMs, expiresAtMs };
}

/** One held lease. */
export interface LeaseRecord {
  threadId: string;
  holder: LeaseHolder;
}

/** Outcome of `acquire`: the lease is ours, or who holds it (undefined if it could not be told). */
export type AcquireResult = { acquired: true; holder: LeaseHolder } | { acquired: false; holder?: LeaseHolder };

/**
 * The port every adapter implements. Methods reject with the adapter's driver errors (I/O, a
 * closed connection); `acquire` and `renew` never throw for "someone else holds it".
 */
export interface LeaseStore {
  /**
   * Takes the lease of `threadId` for `who` for `ttlMs` when it is free, expired, held by a process
   * of this machine that no longer exists (same boot id, pid gone), or already `who`'s (then it is
   * extended). Otherwise resolves `{ acquired: false, holder }`.
   */
  acquire(threadId: string, who: HolderIdentity, ttlMs: number): Promise<AcquireResult>;
  /** Extends `holderId`'s lease by `ttlMs` from now; resolves undefined when `holderId` no longer holds it (lost). */
  renew(threadId: string, holderId: string, ttlMs: number): Promise<LeaseHolder | undefined>;
  /** Gives the lease up if `holderId` holds it (no-op otherwise). */
  release(threadId: string, holderId: string): Promise<void>;
  /** The live holder of `threadId` (not expired, not a dead local process), if any. */
  holderOf(threadId: string): Promise<LeaseHolder | undefined>;
  /** Every live lease, by thread id. */
  list(): Promise<LeaseRecord[]>;
  /** Releases resources (held leases end: a PostgreSQL connection closes, SQLite rows are released). Idempotent. */
  close(): Promise<void>;
}

/** Default lease duration, ms: a holder that stops heartbeating loses its threads after this. */
export const DEFAULT_LEASE_TTL_MS = 8000;

/**
 * True when `holder` ran on this machine (same boot id) in a process that no longer exists:
 * its lease can be taken over at once instead of waiting for it to expire.
 * `self`: this process's identity (for the boot id). A holder of another machine, or with an
 * unknown boot id, is never judged dead here.
 */
export function isDeadLocalHolder(holder: HolderIdentity, self: HolderIdentity): boolean {
  if (holder.bootId === '' || holder.bootId !== self.bootId || holder.host !== self.host) return false;
  if (holder.pid === self.pid) return false;
  return !processExists(holder.pid);
}

/** Whether a process with `pid` exists on this machine (signal 0; EPERM means it exists). */
export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `holder` still holds its lease at `nowMs` as seen from `self` (not expired, not a dead local process). */
export function isLiveHolder(holder: LeaseHolder, nowMs: number, self: HolderIdentity): boolean {
  return holder.expiresAtMs > nowMs && !isDeadLocalHolder(holder, self);
}
