/**
 * Per-runtime ownership of threads over a `LeaseStore`: `claim(threadId)` tries to take the
 * thread's lease and then keeps it (a heartbeat renews it every `heartbeatMs`) or, while another
 * live process holds it, retries every `retryMs`, so a follower takes over when the owner ends
 * (released at once on exit; at once too when the owner was a killed process of this machine;
 * after the expiry otherwise). Listeners hear every change: gained (`true`) and lost (`false`,
 * when a renewal fails or finds the lease taken). `mode: 'append'` never takes a lease.
 */
import type { Clock } from '../core/clock.ts';
import { DEFAULT_LEASE_TTL_MS, type HolderIdentity, type LeaseHolder, type LeaseStore } from './lease.ts';

/** One thread's claim, as the runner's effects see it. */
export interface ThreadClaim {
  readonly threadId: string;
  /** True while this runtime holds the thread's lease. */
  owns(): boolean;
  /** The holder last seen (ours when owned; another process's while following), if known. */
  holder(): LeaseHolder | undefined;
  /** Calls `listener(owned)` on every change; returns the unsubscribe function. */
  onChange(listener: (owned: boolean) => void): () => void;
  /** Stops heartbeats and retries and gives the lease up if held. Idempotent. */
  release(): Promise<void>;
}

/** Options of `createOwnership`. */
export interface OwnershipOptions {
  leases: LeaseStore;
  identity: HolderIdentity;
  clock: Clock;
  /** `own` (default): take leases and run effects; `append`: never take a lease (commands only append facts). */
  mode?: 'own' | 'append';
  /** Lease duration, ms. Default `DEFAULT_LEASE_TTL_MS` (8000). */
  ttlMs?: number;
  /** Renewal period, ms. Default ttlMs / 3. */
  heartbeatMs?: number;
  /** Period of a follower's takeover attempts, ms. Default 1000 (never more than the TTL). */
  retryMs?: number;
  /** Errors of lease calls (I/O); they count as "not held". Default: ignored. */
  onError?(error: unknown, threadId: string): void;
}

/** The ownership of one runtime. */
export interface Ownership {
  readonly identity: HolderIdentity;
  readonly mode: 'own' | 'append';
  /** Tries once (resolving after that attempt), then keeps trying or renewing in the background. */
  claim(threadId: string): Promise<ThreadClaim>;
  /** Releases every claim. */
  close(): Promise<void>;
}

/** Creates the ownership of one runtime (see the module doc). */
export function createOwnership(o: OwnershipOptions): Ownership {
  const ttlMs = o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const heartbeatMs = o.heartbeatMs ?? Math.max(1, Math.floor(ttlMs / 3));
  const retryMs = Math.min(o.retryMs ?? 1000, ttlMs);
  const mode = o.mode ?? 'own';
  const claims = new Set<ThreadClaim>();

  const claim = async (threadId: string): Promise<ThreadClaim> => {
    let owned = false;
    let last: LeaseHolder | undefined;
    let stopped = false;
    let timer: unknown;
    let busy: Promise<void> = Promise.resolve();
    const listeners = new Set<(owned: boolean) => void>();
    const set = (now: boolean): void => {
      if (now === owned) return;
      owned = now;
      for (const l of [...listeners]) l(now);
    };
    const schedule = (): void => {
      if (stopped || mode === 'append') return;
      timer = o.clock.setTimeout(() => {
        timer = undefined;
        busy = tick().finally(schedule);
      }, owned ? heartbeatMs : retryMs);
    };
    const tick = async (): Promise<void> => {
      if (stopped) return;
      try {
        if (owned) {
          const renewed = await o.leases.renew(threadId, o.identity.id, ttlMs);
          if (stopped) return;
          if (renewed) last = renewed;
          else set(false);
        } else {
          const r = await o.leases.acquire(threadId, o.identity, ttlMs);
          if (stopped) {
            if (r.acquired) await o.leases.release(threadId, o.identity.id);
            return;
          }
          last = r.holder;
          set(r.acquired);
        }
      } catch (error) {
        o.onError?.(error, threadId);
        set(false);
      }
    };
    const c: ThreadClaim = {
      threadId,
      owns: () => owned,
      holder: () => last,
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async release() {
        if (stopped) return;
        stopped = true;
        claims.delete(c);
        if (timer !== undefined) o.clock.clearTimeout(timer);
        await busy.catch(() => undefined);
        const held = owned;
        owned = false;
        listeners.clear();
        if (held) await o.leases.release(threadId, o.identity.id).catch((err: unknown) => o.onError?.(err, threadId));
      },
    };
    claims.add(c);
    if (mode === 'own') {
      busy = tick();
      await busy;
      schedule();
    }
    return c;
  };

  return {
    identity: o.identity,
    mode,
    claim,
    async close() {
      await Promise.all([...claims].map((c) => c.release()));
    },
  };
}
