/**
 * The state hash of a folded thread, kept incrementally. Each actor contributes one digest
 * (state-digest.ts); the state's accumulator is the XOR of them, so after a fact only the actors it
 * changed are re-digested. Accumulators are remembered per state object (a WeakMap): a state built
 * from a hashed one records what changed (`deferHash`) and is hashed from its parent's accumulator
 * when first asked.
 */
import { createHash } from 'node:crypto';
import type { AnySnap, ThreadState } from './fold-types.ts';
import { actorDigest, xorInto } from './state-digest.ts';

/** Actors changed since an accumulator was taken: actor key → its snapshot before (undefined: created). */
export type ChangedActors = Map<string, AnySnap | undefined>;

const accCache = new WeakMap<ThreadState, Buffer>();
const pendingHash = new WeakMap<ThreadState, { prevAcc: Buffer; changed: ChangedActors }>();

function current(state: ThreadState, key: string): AnySnap | undefined {
  if (key === 'T') return state.thread;
  return key.startsWith('I:') ? state.interactions[key.slice(2)] : state.steps[key.slice(2)];
}

/** XORs into `acc` the change of each actor in `changed`: out its digest before, in its digest in `state`. */
export function applyChanges(acc: Buffer, state: ThreadState, changed: ChangedActors): void {
  for (const [key, before] of changed) {
    if (before !== undefined) xorInto(acc, actorDigest(key, before));
    const now = current(state, key);
    if (now !== undefined) xorInto(acc, actorDigest(key, now, before));
  }
}

/** The hash text of an accumulator: 16 hex chars of its sha256. */
export function hashOf(acc: Buffer): string {
  return createHash('sha256').update(acc).digest('hex').slice(0, 16);
}

/** The accumulator already computed for `state`, if any (a fold from it can then hash incrementally). */
export function knownAccumulator(state: ThreadState): Buffer | undefined {
  return accCache.get(state);
}

/** Remembers `acc` (not copied: the caller gives up the buffer) as the accumulator of `state`. */
export function rememberAccumulator(state: ThreadState, acc: Buffer): void {
  accCache.set(state, acc);
}

/** Records that `next` is `prevAcc`'s state with `changed` actors changed; hashed lazily. */
export function deferHash(next: ThreadState, prevAcc: Buffer, changed: ChangedActors): void {
  pendingHash.set(next, { prevAcc, changed });
}

/** The accumulator of `state` (from its parent's when deferred, else from every actor), remembered. */
export function accumulator(state: ThreadState): Buffer {
  const cached = accCache.get(state);
  if (cached !== undefined) return cached;
  const pending = pendingHash.get(state);
  const acc = Buffer.alloc(32);
  if (pending !== undefined) {
    pending.prevAcc.copy(acc);
    applyChanges(acc, state, pending.changed);
    pendingHash.delete(state);
  } else {
    xorInto(acc, actorDigest('T', state.thread));
    for (const [id, s] of Object.entries(state.interactions)) xorInto(acc, actorDigest(`I:${id}`, s));
    for (const [k, s] of Object.entries(state.steps)) xorInto(acc, actorDigest(`K:${k}`, s));
  }
  accCache.set(state, acc);
  return acc;
}

/**
 * Short stable hash of a state: 16 hex chars of sha256 over the XOR of one digest per actor (see
 * `actorDigest`: its key `T`, `I:<interactionId>` or `K:<stepKey>`, its state value and a digest of
 * each context field). An XOR set-hash, so the hash after a fact is updated from the previous state's
 * in O(actors changed) when that one was hashed, and per actor O(fields changed): hashing after every
 * fact stays cheap on long threads and large plans. The revision is not part of it.
 */
export function hashThreadState(state: ThreadState): string {
  return hashOf(accumulator(state));
}
