/**
 * Snapshot cache: a folded ThreadState persisted at a revision, so rehydrating a long thread folds
 * only the facts after it. Entries are plain JSON: each actor's snapshot as xstate's
 * `getPersistedSnapshot` gives it (status, value, context, historyValue, children), the revision as a
 * decimal string, and a hash of the machine definitions that folded it: an entry written by other
 * machine code is ignored (it would not equal the fold it replaces).
 */
import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';
import { defaultMachines, inertScope, type FoldOptions, type MachineSet, type ThreadState } from './thread-state.ts';

/** A ThreadState as stored: plain JSON. */
export interface SerializedThreadState {
  threadId: string;
  /** Decimal string of the bigint revision. */
  revision: string;
  machineHash: string;
  thread: unknown;
  interactions: Record<string, unknown>;
  tasks: Record<string, unknown>;
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

const hashes = new WeakMap<MachineSet, string>();
/** JSON replacer: a function becomes its source plus its own properties (e.g. `assign(...)`'s `assignment`). */
const fnSource = (_key: string, v: unknown): unknown =>
  typeof v === 'function' ? { fn: v.toString(), props: Object.fromEntries(Object.entries(v)) } : v;

/**
 * Hash (16 hex chars of sha256) of the machines' definitions: their config and implementations with
 * every function replaced by its source text. Functions called from a guard or action but defined
 * outside the machine are not covered: bump the machine's `version` when changing one of those.
 */
export function machineDefinitionHash(machines: MachineSet = defaultMachines): string {
  let h = hashes.get(machines);
  if (h === undefined) {
    const parts = [machines.thread, machines.interaction, machines.task].map((m: AnyStateMachine) =>
      JSON.stringify([m.id, m.version ?? null, m.config, m.implementations], fnSource),
    );
    h = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
    hashes.set(machines, h);
  }
  return h;
}

/** Plain JSON of a state (see module doc). */
export function serializeThreadState(state: ThreadState, options: FoldOptions = {}): SerializedThreadState {
  const m = options.machines ?? defaultMachines;
  const map = <S>(rec: Record<string, S>, machine: AnyStateMachine): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(rec)) out[k] = machine.getPersistedSnapshot(s as never);
    return out;
  };
  return {
    threadId: state.threadId,
    revision: state.revision.toString(),
    machineHash: machineDefinitionHash(m),
    thread: m.thread.getPersistedSnapshot(state.thread),
    interactions: map(state.interactions, m.interaction),
    tasks: map(state.tasks, m.task),
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
 * the state nodes and walking the context again for each of (say) 25 000 tasks.
 */
export function restoreThreadState(s: SerializedThreadState, options: FoldOptions, how: { owned: boolean; actorRefs: boolean }): ThreadState {
  const m = options.machines ?? defaultMachines;
  const expected = machineDefinitionHash(m);
  if (s.machineHash !== expected) {
    throw new Error(`snapshot of thread '${s.threadId}' at revision ${s.revision} was written by machines ${s.machineHash}, not ${expected}`);
  }
  const restore = <S>(machine: AnyStateMachine, persisted: unknown): S => {
    const p = (how.owned ? persisted : structuredClone(persisted)) as PersistedMachineSnapshot;
    if (!how.actorRefs && isChildless(p)) return fromTemplate(machine, p) as S;
    return machine.restoreSnapshot(p as never, inertScope(machine) as never) as S;
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
    tasks: rec(m.task, s.tasks),
  };
}

/** The fields of a persisted machine snapshot this module reads. */
interface PersistedMachineSnapshot {
  status: string;
  value: unknown;
  historyValue?: unknown;
  context: unknown;
  children?: Record<string, unknown>;
  output?: unknown;
  error?: unknown;
}

const isChildless = (p: PersistedMachineSnapshot): boolean => {
  if (p === null || typeof p !== 'object') return false;
  for (const _ in p.children ?? {}) return false;
  return true;
};

/** Restored snapshots with an empty context, by machine and `status|value|historyValue`. */
const templates = new WeakMap<AnyStateMachine, Map<string, Record<string, unknown>>>();

/**
 * `machine.restoreSnapshot(p)` for a childless snapshot whose context holds no actor reference:
 * xstate's restore resolves the state nodes of `value` and `historyValue` (the same for every
 * snapshot with those), builds the snapshot object, and revives actor references in the context
 * (none here). So: restore once per key with an empty context, then copy that object with this
 * snapshot's context, output and error (own `tags` set and `children` object; `_nodes`, `value`
 * and `historyValue` are shared, as between snapshots xstate derives from one another).
 */
function fromTemplate(machine: AnyStateMachine, p: PersistedMachineSnapshot): unknown {
  let byKey = templates.get(machine);
  if (byKey === undefined) templates.set(machine, (byKey = new Map()));
  const key = `${p.status}|${JSON.stringify(p.value)}|${JSON.stringify(p.historyValue ?? {})}`;
  let t = byKey.get(key);
  if (t === undefined) {
    const bare = { status: p.status, value: p.value, historyValue: p.historyValue, context: {}, children: {}, output: undefined, error: undefined };
    t = machine.restoreSnapshot(bare as never, inertScope(machine) as never) as unknown as Record<string, unknown>;
    byKey.set(key, t);
  }
  return { ...t, output: p.output, error: p.error, context: p.context, tags: new Set(t.tags as Set<string>), children: {} };
}

/** A SnapshotCache kept in memory as JSON text (so every load returns fresh objects). */
export function createInMemorySnapshotCache(): SnapshotCache {
  const entries = new Map<string, Map<string, { revision: bigint; json: string }>>();
  const keyOf = (revision: bigint, hash: string): string => `${revision}/${hash}`;
  return {
    async save(state, options = {}) {
      const s = serializeThreadState(state, options);
      let byKey = entries.get(state.threadId);
      if (!byKey) entries.set(state.threadId, (byKey = new Map()));
      byKey.set(keyOf(state.revision, s.machineHash), { revision: state.revision, json: JSON.stringify(s) });
    },
    async load(threadId, options = {}) {
      const hash = machineDefinitionHash(options.machines ?? defaultMachines);
      let best: { revision: bigint; json: string } | undefined;
      for (const [key, e] of entries.get(threadId) ?? []) {
        if (!key.endsWith(`/${hash}`)) continue;
        if (options.maxRevision !== undefined && e.revision > options.maxRevision) continue;
        if (!best || e.revision > best.revision) best = e;
      }
      return best ? restoreThreadState(JSON.parse(best.json) as SerializedThreadState, options, { owned: true, actorRefs: best.json.includes('xstate$$type') }) : undefined;
    },
    async delete(threadId) {
      entries.delete(threadId);
    },
    async close() {},
  };
}
