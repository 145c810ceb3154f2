/**
 * One line saying who owns (runs the effects of) a thread, for commands that follow a thread
 * another process runs, and for `threads` / `show` / `workers`.
 */
import type { LeaseHolder } from '../index.ts';
import type { ThreadOwner } from '../index.ts';

/** `pid 123 on host (id h:123:ab12) since 2026-…Z` */
export function holderText(h: LeaseHolder): string {
  return `pid ${h.pid} on ${h.host} (${h.id}) since ${new Date(h.acquiredAtMs).toISOString()}`;
}

/** What a following process prints: who runs the thread, and that this process only follows. */
export function describeOwner(owner: ThreadOwner): string {
  if (owner.owned) return 'this process runs the thread';
  const who = owner.holder ? holderText(owner.holder) : 'another process';
  return `following: the thread is run by ${who}; this process waits for it (and takes over if it ends)`;
}

/** `show`'s line: who runs the thread now, or that no process does (work waits for `resume`). */
export function describeOwnerOf(holder: LeaseHolder | undefined): string {
  return holder ? `owner: ${holderText(holder)}` : 'owner: none (no process runs this thread now; `resume` continues it)';
}
