/**
 * The state hash of a folded thread, kept incrementally, in two versions of its definition:
 * - version 1 (state-digest.ts): sha256 digests; its text is 16 lowercase hex digits. What every
 *   history recorded before version 2 holds, and what those hashes are checked against;
 * - version 2 (state-digest-v2.ts): the same structure over 128-bit MurmurHash3 digests computed by
 *   walking the values, several times cheaper; its text is `v2` and 14 hex digits. What the runtime
 *   records (`STATE_HASH_VERSION`).
 * A recorded hash says its version (`stateHashVersion`), so a verifier recomputes each one with its
 * own definition, and one stream may hold both (a thread that recorded version-1 hashes records
 * version 2 from its first append by a runtime that writes version 2).
 *
 * In both, each actor contributes one digest; the state's accumulator is the XOR of them, so after a
 * fact only the actors it changed are re-digested. Accumulators are remembered per state object and
 * version (WeakMaps): a state built from a hashed one records what changed (`deferHashes`) and is
 * hashed from its parent's accumulator when first asked. The snapshot cache stores a saved state's
 * version-2 accumulator when it is known (`knownAccumulatorV2`) and hands it back for the decoded
 * state (`rememberAccumulatorV2`), so the first hash after a load digests only what changed since.
 */
import { createHash } from 'node:crypto';
import type { AnySnap, ThreadState } from './fold-types.ts';
import { actorDigest, xorInto } from './state-digest.ts';
import { actorDigestV2, stateHashTextV2, V2_PREFIX, xorInto4 } from './state-digest-v2.ts';

/** A version of the state hash definition (see the module doc). */
export type StateHashVersion = 1 | 2;

/** The version the runtime records in `metadata.snapshotHash`, and `hashThreadState`'s default. */
export const STATE_HASH_VERSION: StateHashVersion = 2;

/**
 * The version of a recorded state hash text: 2 for `v2` followed by 14 hex digits, else 1 (a
 * version-1 hash is 16 hex digits; any other text is compared as a version-1 hash, and so never matches).
 */
export function stateHashVersion(hash: string): StateHashVersion {
  return hash.length === 16 && hash.startsWith(V2_PREFIX) ? 2 : 1;
}

/** Actors changed since an accumulator was taken: actor key → its snapshot before (undefined: created). */
export type ChangedActors = Map<string, AnySnap | undefined>;

/** @internal The actors of a state (a ThreadState, or a fold session's records read in place). */
type Actors = Pick<ThreadState, 'thread' | 'interactions' | 'steps'>;

function current(state: Actors, key: string): AnySnap | undefined {
  if (key === 'T') return state.thread;
  return key.startsWith('I:') ? state.interactions[key.slice(2)] : state.steps[key.slice(2)];
}

/** One definition: its accumulator and how an actor digest is combined into it. */
interface Definition<A> {
  zero(): A;
  copy(acc: A): A;
  /** XORs the digest of actor `key` in `snap` into `acc` (`before`: its previous snapshot, a hint). */
  toggle(acc: A, key: string, snap: AnySnap, before?: AnySnap): void;
  text(acc: A): string;
}

const V1: Definition<Buffer> = {
  zero: () => Buffer.alloc(32),
  copy: (acc) => Buffer.from(acc),
  toggle: (acc, key, snap, before) => xorInto(acc, actorDigest(key, snap, before)),
  text: (acc) => createHash('sha256').update(acc).digest('hex').slice(0, 16),
};

const V2: Definition<Int32Array> = {
  zero: () => new Int32Array(4),
  copy: (acc) => acc.slice(),
  toggle: (acc, key, snap, before) => xorInto4(acc, actorDigestV2(key, snap, before)),
  text: stateHashTextV2,
};

/**
 * @internal A state hash being kept up to date by a fold session: `update` applies the actors changed since
 * the last call and gives the hash text.
 */
export interface RunningHash {
  readonly version: StateHashVersion;
  update(state: Actors, changed: ChangedActors): string;
  /** Remembers (a copy of) the accumulator as `state`'s, `state` holding the actors of the last `update`. */
  rememberFor(state: ThreadState): void;
}

/** The accumulators of one version, by state. */
class Accumulators<A> {
  readonly #cache = new WeakMap<ThreadState, A>();
  readonly #pending = new WeakMap<ThreadState, { prevAcc: A; changed: ChangedActors }>();
  constructor(
    readonly version: StateHashVersion,
    readonly def: Definition<A>,
  ) {}

  /** XORs into `acc` the change of each actor in `changed`: out its digest before, in its digest in `state`. */
  applyChanges(acc: A, state: Actors, changed: ChangedActors): void {
    for (const [key, before] of changed) {
      if (before !== undefined) this.def.toggle(acc, key, before);
      const now = current(state, key);
      if (now !== undefined) this.def.toggle(acc, key, now, before);
    }
  }

  /** A new accumulator of every actor of `state`. */
  fromActors(state: Actors): A {
    const acc = this.def.zero();
    this.def.toggle(acc, 'T', state.thread);
    for (const [id, s] of Object.entries(state.interactions)) this.def.toggle(acc, `I:${id}`, s);
    for (const [k, s] of Object.entries(state.steps)) this.def.toggle(acc, `K:${k}`, s);
    return acc;
  }

  /** The accumulator of `state` (from its parent's when deferred, else from every actor), remembered. */
  accumulator(state: ThreadState): A {
    const cached = this.#cache.get(state);
    if (cached !== undefined) return cached;
    const pending = this.#pending.get(state);
    let acc: A;
    if (pending !== undefined) {
      acc = this.def.copy(pending.prevAcc);
      this.applyChanges(acc, state, pending.changed);
      this.#pending.delete(state);
    } else acc = this.fromActors(state);
    this.#cache.set(state, acc);
    return acc;
  }

  /** Whether `state`'s accumulator is known or deferred (a fold from it can then hash incrementally). */
  knows(state: ThreadState): boolean {
    return this.#cache.has(state) || this.#pending.has(state);
  }

  /** A copy of `state`'s accumulator when remembered or deferred from a known parent (O(actors changed)), else undefined. */
  known(state: ThreadState): A | undefined {
    return this.#cache.has(state) || this.#pending.has(state) ? this.def.copy(this.accumulator(state)) : undefined;
  }

  /** Remembers (a copy of) `acc` as `state`'s accumulator. */
  remember(state: ThreadState, acc: A): void {
    this.#pending.delete(state);
    this.#cache.set(state, this.def.copy(acc));
  }

  /**
   * When `parent`'s accumulator is known: records that `next` is `parent` with `changed` actors
   * changed. A deferred `parent` (a fold in batches: each batch's state is the next one's parent) is
   * resolved first (its changed actors digested), so the chain of deferrals does not break.
   */
  deferFrom(parent: ThreadState, next: ThreadState, changed: ChangedActors): void {
    const prevAcc = this.#cache.get(parent) ?? (this.#pending.has(parent) ? this.accumulator(parent) : undefined);
    if (prevAcc !== undefined) this.#pending.set(next, { prevAcc, changed });
  }

  /** Starts a running hash at `start` (its accumulator computed now or remembered), or at `state` from every actor. */
  running(start: ThreadState | undefined, state: Actors): RunningHash {
    const acc = start !== undefined ? this.def.copy(this.accumulator(start)) : this.fromActors(state);
    const { version, def } = this;
    return {
      version,
      update: (now, changed) => {
        this.applyChanges(acc, now, changed);
        return def.text(acc);
      },
      rememberFor: (s) => this.#cache.set(s, def.copy(acc)),
    };
  }

  text(state: ThreadState): string {
    return this.def.text(this.accumulator(state));
  }
}

const VERSIONS = { 1: new Accumulators(1, V1), 2: new Accumulators(2, V2) } as const;

/** @throws RangeError `version` is not a known version of the state hash. */
function versionOf(version: number): Accumulators<Buffer> | Accumulators<Int32Array> {
  if (version === 1 || version === 2) return VERSIONS[version];
  throw new RangeError(`unknown state hash version ${String(version)} (known: 1, 2)`);
}

/** Whether a fold from `state` should record the actors it changes (some version's accumulator of `state` is known or deferred). */
export function tracksChanges(state: ThreadState): boolean {
  return VERSIONS[2].knows(state) || VERSIONS[1].knows(state);
}

/** Records, for each version whose accumulator of `parent` is known, that `next` is `parent` with `changed` actors changed. */
export function deferHashes(parent: ThreadState, next: ThreadState, changed: ChangedActors): void {
  VERSIONS[1].deferFrom(parent, next, changed);
  VERSIONS[2].deferFrom(parent, next, changed);
}

/**
 * @internal A running hash of `version` for a fold session: from `start`'s accumulator when `start` is given
 * (the session's changes since `start` then follow in `update`), else from every actor of `state`
 * (a session switching version: the changes before are not needed).
 * @throws RangeError unknown `version`.
 */
export function runningHash(version: StateHashVersion, start: ThreadState | undefined, state: Actors): RunningHash {
  return versionOf(version).running(start, state);
}

/**
 * The version-2 accumulator of `state` (4 words, a copy: the XOR of its actors' digests) when it is
 * known without digesting every actor: `state` was hashed, or was folded from a hashed state (the
 * actors changed since are digested now). Undefined otherwise. What the snapshot cache stores with an
 * entry. Never throws (beyond what digesting a changed actor's snapshot throws).
 */
export function knownAccumulatorV2(state: ThreadState): Int32Array | undefined {
  return VERSIONS[2].known(state);
}

/**
 * Remembers `acc` (4 words, copied) as the version-2 accumulator of `state`: its next hash, and the
 * hashes of states folded from it, start from `acc` instead of digesting every actor. The caller
 * vouches that `acc` is the XOR of `actorDigestV2` over every actor of `state` (the snapshot cache:
 * the accumulator saved with the entry `state` was decoded from, under the entry's checksum); a wrong
 * one makes every later hash of this lineage wrong.
 * @throws RangeError `acc` is not 4 words.
 */
export function rememberAccumulatorV2(state: ThreadState, acc: Int32Array): void {
  if (acc.length !== 4) throw new RangeError(`a version-2 state accumulator is 4 words, got ${acc.length}`);
  VERSIONS[2].remember(state, acc);
}

/** Options of `hashThreadState`. */
export interface HashThreadStateOptions {
  /** Definition to compute (default `STATE_HASH_VERSION`, 2; 1 is what older histories recorded). */
  version?: StateHashVersion;
}

/**
 * Short stable hash of a state: the XOR of one digest per actor (its key `T`, `I:<interactionId>` or
 * `K:<stepKey>`, its state value and a digest of each context field), as text. Version 2 (default):
 * `v2` + 14 hex digits over 128-bit MurmurHash3 digests (state-digest-v2.ts); version 1: 16 hex
 * digits of sha256 over sha256 digests (state-digest.ts). A recorded hash is checked with the version
 * it says (`stateHashVersion`). An XOR set-hash, so the hash after a fact is updated from the
 * previous state's in O(actors changed) when that one was hashed, and per actor O(fields changed):
 * hashing after every fact stays cheap on long threads and large plans. The revision is not part of it.
 * @throws RangeError unknown `version`.
 */
export function hashThreadState(state: ThreadState, options: HashThreadStateOptions = {}): string {
  return versionOf(options.version ?? STATE_HASH_VERSION).text(state);
}
