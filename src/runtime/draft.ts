/**
 * A draft: the tentative state of a write-ahead cycle. Facts are redacted (API keys, their fragments
 * and key-shaped strings become `***`, src/core/redact.ts), validated (`validateFact`: their zod
 * schema, so defaults are filled exactly as a reader of the store sees them, or a copy when the data
 * is already canonical; the only validation of the fact: the fact codec does not parse that data
 * again on append), applied one at a time with the
 * pure fold (`foldSession`: no per-fact copy of the step records, incremental hashing), and
 * collected with their metadata; nothing is written until the runtime appends `draft.facts`.
 * `mark`/`rollback` drop the facts of one command that turned out illegal.
 */
import type { IdGenerator } from '../core/ids.ts';
import { validateFact } from '../facts/fact-codec.ts';
import type { Fact, FactInput } from '../facts/fact-types.ts';
import { EventValidationError } from '../store/errors.ts';
import { factOversize, FactTooLargeError } from './fact-size.ts';
import { redactDeep } from '../core/redact.ts';
import { foldSession, type FoldSession, type ThreadState } from '../history/fold/thread-state.ts';
import { threadStreamId } from '../history/stream.ts';
import type { DraftedFact } from './thread-stream.ts';

/** Metadata for facts added together. */
export interface DraftMeta {
  correlationId?: string;
  /** Defaults to the event id of the previous fact of the draft. */
  causationId?: string;
}

/** The tentative state of one write-ahead cycle. */
export interface Draft {
  /** The state after every fact added so far (immutable: may be kept). */
  readonly state: ThreadState;
  /**
   * The same state for reading at once (the fold session's `peek`): valid until the next `add` or
   * `rollback`; never keep it. Reading it does not make the next `add` copy the step records, which
   * `state` does (the agent loop reads the state between every layer of facts).
   */
  readonly current: ThreadState;
  /** Facts added so far, in order, with ids and metadata. */
  readonly facts: readonly DraftedFact[];
  /**
   * Validates and applies `facts` in order (all or none).
   * @throws EventValidationError a fact's data fails its schema (a runtime bug; draft unchanged).
   * @throws IllegalTransitionError a fact is illegal in the tentative state (draft unchanged).
   * @throws FactTooLargeError a fact's encoded size is over `maxEventBytes` (draft unchanged).
   */
  add(facts: readonly FactInput[], meta?: DraftMeta): void;
  /** A point to roll back to. */
  mark(): DraftMark;
  /** Drops every fact added after `mark`. */
  rollback(mark: DraftMark): void;
  /**
   * Called once before the facts are appended: with `hashEvery: 'append'`, gives the last fact the
   * hash of the state after it (when it has none). Adding facts after `seal` is a runtime bug.
   */
  seal(): void;
}

/**
 * When facts carry a `snapshotHash`: `'append'` — the last fact of every append (one hash per
 * write-ahead cycle, so a divergence is caught at the end of the cycle that caused it);
 * a number N ≥ 1 — every fact whose revision r has (r + 1) % N === 0 (1: every fact); 0 — never.
 */
export type HashEvery = number | 'append';

/** Opaque rollback point of a draft. */
export interface DraftMark {
  readonly length: number;
}

/** Options of `createDraft`. */
export interface DraftOptions {
  ids: IdGenerator;
  /** Which facts get `snapshotHash = hashThreadState(state after it)` (see HashEvery). */
  hashEvery: HashEvery;
  /** Largest fact, UTF-8 bytes of data + metadata JSON (the store's limit); absent: not checked. */
  maxEventBytes?: number;
}

/** Starts a draft on `base` (see DraftOptions). */
export function createDraft(base: ThreadState, options: DraftOptions): Draft {
  return new SessionDraft(base, options);
}

/**
 * The draft of `createDraft`: a class, so `state` and `current` are getters of its prototype. Getters
 * of an object literal are closures of their own per draft, in accessor pairs that V8 allocates in
 * the old generation: they would hold every draft (its fold session, its base state, its facts)
 * there until a full GC, one draft per write-ahead cycle.
 */
class SessionDraft implements Draft {
  readonly facts: DraftedFact[] = [];
  readonly #base: ThreadState;
  readonly #options: DraftOptions;
  readonly #perAppend: boolean;
  readonly #every: bigint;
  readonly #hashing: boolean;
  /** Made by the first `add` (a cycle that adds no fact, e.g. the resume after a load, needs none). */
  #session: FoldSession | undefined;
  #cached: ThreadState | undefined;

  constructor(base: ThreadState, options: DraftOptions) {
    this.#base = base;
    this.#options = options;
    this.#perAppend = options.hashEvery === 'append';
    this.#every = this.#perAppend ? 0n : BigInt(Math.max(0, Math.floor(options.hashEvery as number)));
    this.#hashing = this.#perAppend || this.#every > 0n;
    this.#cached = base;
  }

  /** The fold session over the base and the facts added so far. */
  #fold(): FoldSession {
    this.#session ??= foldSession(this.#base, { hashing: this.#hashing });
    return this.#session;
  }

  /** Rebuilds the session from the base with the first `length` facts (after a refused fact: rare). */
  #rebuild(length: number): void {
    this.facts.length = length;
    this.#session = foldSession(this.#base, { hashing: this.#hashing });
    for (const f of this.facts) {
      this.#session.apply(f.fact);
      if (f.snapshotHash !== undefined) this.#session.hash();
    }
    this.#cached = undefined;
  }

  get state(): ThreadState {
    this.#cached ??= this.#fold().state();
    return this.#cached;
  }

  get current(): ThreadState {
    return this.#cached ?? this.#fold().peek();
  }

  add(inputs: readonly FactInput[], meta: DraftMeta = {}): void {
    const base = this.#base;
    const options = this.#options;
    const facts = this.facts;
    const start = facts.length;
    let previousId = facts[start - 1]?.id;
    try {
      for (let index = 0; index < inputs.length; index++) {
        const input = inputs[index]!;
        const parsed = validateFact(input.type, redactDeep(input.data));
        if (!parsed.ok) throw new EventValidationError(threadStreamId(base.threadId), start + index, input.type, parsed.issues);
        const fact = { type: input.type, data: parsed.data } as Fact;
        const causation = meta.causationId ?? previousId;
        if (options.maxEventBytes !== undefined) {
          const size = factOversize(fact.type, fact.data, { correlationId: meta.correlationId, causationId: causation }, options.maxEventBytes, parsed.json);
          if (size !== undefined) throw new FactTooLargeError(base.threadId, fact.type, size, options.maxEventBytes, index, fact.data);
        }
        this.#cached = undefined;
        this.#fold().apply(fact);
        const id = options.ids.uuid();
        const drafted: DraftedFact = { id, fact };
        if (meta.correlationId !== undefined) drafted.correlationId = meta.correlationId;
        if (causation !== undefined) drafted.causationId = causation;
        // the fact's revision r is base.revision + its place in the draft (1-based); hashed when (r + 1) % N === 0
        if (this.#every > 0n && (base.revision + BigInt(start + index + 2)) % this.#every === 0n) drafted.snapshotHash = this.#fold().hash();
        facts.push(drafted);
        previousId = id;
      }
    } catch (err) {
      this.#rebuild(start);
      throw err;
    }
  }

  mark(): DraftMark {
    return { length: this.facts.length };
  }

  rollback(mark: DraftMark): void {
    if (this.facts.length > mark.length) this.#rebuild(mark.length);
  }

  seal(): void {
    const last = this.facts[this.facts.length - 1];
    if (this.#perAppend && last !== undefined && last.snapshotHash === undefined) last.snapshotHash = this.#fold().hash();
  }
}
