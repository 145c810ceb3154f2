/**
 * Snapshot cache: a folded ThreadState persisted at a revision, so rehydrating a long thread folds
 * only the facts after it. The caches store entries in the compact format of
 * snapshot-cache-format.ts (version 5: per-state tables, step specs as plan indexes, objects as key-list
 * indexes and values, interactions and runs of steps as checked segments decoded on first read); entries of another format are cache misses. An entry carries a hash of the machine definitions that folded it:
 * an entry written by other machine code is ignored (it would not equal the fold it replaces).
 * `serializeThreadState` / `deserializeThreadState` remain the plain form: each actor's snapshot as
 * xstate's `getPersistedSnapshot` gives it, the revision as a decimal string (format 1 of the caches).
 */
import type { AnyStateMachine } from 'xstate';
import { decodeThreadState, encodeThreadState } from './snapshot-cache-format.ts';
import { fromTemplate, isChildless, machineDefinitionHash, revivedInteraction, type PersistedMachineSnapshot } from './snapshot-cache-machines.ts';
import { seqsToArrays } from '../../core/append-seq.ts';
import { defaultMachines, type FoldOptions, type ThreadState } from '../fold/thread-state.ts';
import { restoreSnapshot } from '../fold/xstate-adapter.ts';

export { machineDefinitionHash } from './snapshot-cache-machines.ts';

/** A ThreadState as stored: plain JSON. */
export interface SerializedThreadState {
  threadId: string;
  /** Decimal string of the bigint revision. */
  revision: string;
  machineHash: string;
  thread: unknown;
  interactions: Record<string, unknown>;
  steps: Record<string, unknown>;
}

/** Options of `SnapshotCache.load`. */
export interface SnapshotLoadOptions extends FoldOptions {
  /** Newest entry at or before this revision (default: the newest). */
  maxRevision?: bigint;
}

/** The port. Implementations: `createInMemorySnapshotCache`, `openSqliteSnapshotCache` (snapshot-cache-sqlite.ts). */
export interface SnapshotCache {
  /** Stores `state` (keyed by threadId, revision and the machines' hash); replaces an equal key. */
  save(state: ThreadState, options?: FoldOptions): Promise<void>;
  /** The newest entry of `threadId` at or before `maxRevision` written by the same machines, or undefined. */
  load(threadId: string, options?: SnapshotLoadOptions): Promise<ThreadState | undefined>;
  /** Drops every entry of `threadId`. */
  delete(threadId: string): Promise<void>;
  close(): Promise<void>;
}

/** `p` with its context's AppendSeqs as plain arrays (their JSON), so a serialized state is plain data. */
const plain = (p: PersistedMachineSnapshot): PersistedMachineSnapshot => {
  const context = seqsToArrays(p.context);
  return context === p.context ? p : { ...p, context };
};

/** Plain JSON of a state (see module doc). */
export function serializeThreadState(state: ThreadState, options: FoldOptions = {}): SerializedThreadState {
  const m = options.machines ?? defaultMachines;
  const map = <S>(rec: Record<string, S>, machine: AnyStateMachine): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(rec)) out[k] = plain(machine.getPersistedSnapshot(s as never) as unknown as PersistedMachineSnapshot);
    return out;
  };
  return {
    threadId: state.threadId,
    revision: state.revision.toString(),
    machineHash: machineDefinitionHash(m),
    thread: plain(m.thread.getPersistedSnapshot(state.thread) as unknown as PersistedMachineSnapshot),
    interactions: map(state.interactions, m.interaction),
    steps: map(state.steps, m.step),
  };
}

/**
 * Rebuilds a state from its JSON with `options.machines`' `restoreSnapshot`.
 * @throws Error when `s.machineHash` is not the hash of those machines (the entry would not replay equally).
 */
export function deserializeThreadState(s: SerializedThreadState, options: FoldOptions = {}): ThreadState {
  return restoreThreadState(s, options, { owned: false, actorRefs: true });
}

/**
 * `deserializeThreadState` for the caches, which hand over JSON they just parsed:
 * `owned` — `s` is not shared, so it is not copied first (xstate's restore writes into the context);
 * `actorRefs: false` — the entry's JSON text has no `xstate$$type` marker (no persisted actor
 * reference in any context), so snapshots without children are restored from a template per
 * (status, value, history): the same object xstate's `restoreSnapshot` builds, without resolving
 * the state nodes and walking the context again for each of (say) 25 000 steps.
 */
export function restoreThreadState(s: SerializedThreadState, options: FoldOptions, how: { owned: boolean; actorRefs: boolean }): ThreadState {
  const m = options.machines ?? defaultMachines;
  const expected = machineDefinitionHash(m);
  if (s.machineHash !== expected) {
    throw new Error(`snapshot of thread '${s.threadId}' at revision ${s.revision} was written by machines ${s.machineHash}, not ${expected}`);
  }
  const restore = <S>(machine: AnyStateMachine, persisted: unknown): S => {
    let p = (how.owned ? persisted : structuredClone(persisted)) as PersistedMachineSnapshot;
    if (machine === m.interaction) p = revivedInteraction(p);
    if (!how.actorRefs && isChildless(p)) return fromTemplate(machine, p) as S;
    return restoreSnapshot(machine, p) as S;
  };
  const rec = <S>(machine: AnyStateMachine, r: Record<string, unknown>): Record<string, S> => {
    const out: Record<string, S> = {};
    for (const [k, p] of Object.entries(r)) out[k] = restore<S>(machine, p);
    return out;
  };
  return {
    threadId: s.threadId,
    revision: BigInt(s.revision),
    thread: restore(m.thread, s.thread),
    interactions: rec(m.interaction, s.interactions),
    steps: rec(m.step, s.steps),
  };
}

/** Options of `createInMemorySnapshotCache`. */
export interface InMemorySnapshotCacheOptions {
  /**
   * Keep the entries of at most this many revisions per thread, the newest (older ones are dropped
   * on save, as the SQLite cache's `keepPerThread` does). Default 4. A load at an older revision
   * (`maxRevision`, replay at an offset) then starts from an older kept entry or from the first fact:
   * slower, never different.
   */
  keepPerThread?: number;
}

/**
 * A SnapshotCache kept in memory as entries of `encodeThreadState`, as UTF-8 bytes (so every load returns fresh
 * objects), at most `keepPerThread` revisions per thread.
 * @throws RangeError `keepPerThread` is not a positive integer.
 */
export function createInMemorySnapshotCache(options: InMemorySnapshotCacheOptions = {}): SnapshotCache {
  const keep = options.keepPerThread ?? 4;
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keepPerThread must be a positive integer, got ${keep}`);
  /** By thread: entries newest revision first. */
  const entries = new Map<string, Array<{ revision: bigint; hash: string; bytes: Buffer }>>();
  return {
    async save(state, options = {}) {
      const hash = machineDefinitionHash(options.machines ?? defaultMachines);
      const bytes = Buffer.from(encodeThreadState(state, options), 'utf8');
      const list = (entries.get(state.threadId) ?? []).filter((e) => e.revision !== state.revision || e.hash !== hash);
      list.push({ revision: state.revision, hash, bytes });
      list.sort((a, b) => (a.revision === b.revision ? 0 : a.revision > b.revision ? -1 : 1));
      // the entries of the `keep` newest revisions (of any machines), as the SQLite cache prunes
      const revisions = [...new Set(list.map((e) => e.revision))].slice(0, keep);
      const oldest = revisions[revisions.length - 1]!;
      entries.set(state.threadId, list.filter((e) => e.revision >= oldest));
    },
    async load(threadId, options = {}) {
      const hash = machineDefinitionHash(options.machines ?? defaultMachines);
      const best = entries.get(threadId)?.find((e) => e.hash === hash && (options.maxRevision === undefined || e.revision <= options.maxRevision));
      return best ? decodeThreadState(best.bytes, options) : undefined;
    },
    async delete(threadId) {
      entries.delete(threadId);
    },
    async close() {},
  };
}
