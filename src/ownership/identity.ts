/**
 * The identity of this process as a lease holder: pid, host, and the machine's boot id (from
 * `/proc/sys/kernel/random/boot_id`), so another process of the same machine can tell that a
 * holder is gone (its pid no longer exists in this boot) and take its leases over at once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { HolderIdentity } from './lease.ts';

let bootIdCache: string | undefined;

/** The machine's boot id, or '' where `/proc/sys/kernel/random/boot_id` cannot be read (not Linux). */
export function bootId(): string {
  if (bootIdCache !== undefined) return bootIdCache;
  try {
    bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootIdCache = '';
  }
  return bootIdCache;
}

/**
 * This process's holder identity. `id` defaults to `<host>:<pid>:<6 random hex>` (unique even
 * when a pid is reused); a worker passes its `--id`.
 */
export function processIdentity(id?: string): HolderIdentity {
  const host = hostname();
  return { id: id ?? `${host}:${process.pid}:${randomBytes(3).toString('hex')}`, pid: process.pid, bootId: bootId(), host };
}
