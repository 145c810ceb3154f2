/**
 * Committed thread histories (test/fixtures/histories/*.json): load, record and append them.
 *
 * Format `orchestral-history/1`:
 * `{ format, name, description, threadId, events: [{ revision, type, schemaVersion, data, metadata: { snapshotHash } }] }`
 * — the facts of stream `thread-<threadId>` in revision order, each with the hash of the folded
 * ThreadState after it (hashThreadState). Replaying a fixture with `verify` fails when machine code
 * changed in a way that breaks old histories (as Temporal's replay tests do).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sequentialIds, type IdGenerator } from '../../src/core/ids.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { FACT_VERSIONS, type Fact, type FactType } from '../../src/facts/fact-types.ts';
import { NO_STREAM, type EventStore } from '../../src/store/event-store.ts';
import { applyFact, hashThreadState, initialThreadState, type FoldOptions } from '../../src/history/fold/thread-state.ts';
import { threadStreamId } from '../../src/history/stream.ts';

export const HISTORY_FORMAT = 'orchestral-history/1';
/** Directory of the committed fixtures. */
export const HISTORIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'histories');

/** One stored fact of a fixture. `data` is as stored at `schemaVersion` (upcast on load). */
export interface FixtureEvent {
  revision: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: { snapshotHash?: string };
}

/** A thread history. */
export interface HistoryFixture {
  format: typeof HISTORY_FORMAT;
  name: string;
  description: string;
  threadId: string;
  events: FixtureEvent[];
}

/** A fixture whose facts were decoded (validated and upcast to the current schema versions). */
export interface LoadedHistory extends HistoryFixture {
  facts: Fact[];
  file: string;
}

/**
 * Reads and decodes a fixture. `nameOrPath`: a file name in HISTORIES_DIR (with or without `.json`)
 * or a path containing `/`.
 * @throws Error naming the file (and revision/field) when the JSON, the format, a revision or a fact is wrong.
 */
export function loadHistoryFixture(nameOrPath: string): LoadedHistory {
  const file = nameOrPath.includes('/') ? nameOrPath : join(HISTORIES_DIR, nameOrPath.endsWith('.json') ? nameOrPath : `${nameOrPath}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`history fixture ${file}: cannot read JSON: ${(err as Error).message}`, { cause: err });
  }
  const f = raw as Partial<HistoryFixture>;
  if (f.format !== HISTORY_FORMAT) throw new Error(`history fixture ${file}: format must be '${HISTORY_FORMAT}', got ${JSON.stringify(f.format)}`);
  if (typeof f.threadId !== 'string' || !Array.isArray(f.events)) throw new Error(`history fixture ${file}: threadId (string) and events (array) are required`);
  const facts: Fact[] = f.events.map((e, i) => {
    if (e.revision !== i) throw new Error(`history fixture ${file}: events[${i}].revision is ${e.revision}, expected ${i}`);
    const decoded = factCodec.decode(e.type, e.data, e.schemaVersion ?? 1);
    if (!decoded.ok) throw new Error(`history fixture ${file}: revision ${i} ('${e.type}'): ${decoded.issues.join('; ')}`);
    return { type: e.type, data: decoded.data } as Fact;
  });
  return { ...(f as HistoryFixture), facts, file };
}

/**
 * Builds a fixture from facts: folds them (throws IllegalTransitionError on an illegal one) and
 * records the hash after each in `metadata.snapshotHash`. Facts are validated with the fact codec.
 */
export function recordHistoryFixture(
  init: { name: string; description: string; threadId: string; facts: readonly Fact[] },
  options: FoldOptions = {},
): HistoryFixture {
  let state = initialThreadState(init.threadId, options);
  const events = init.facts.map((fact, i): FixtureEvent => {
    const encoded = factCodec.encode(fact.type, fact.data, undefined);
    if (!encoded.ok) throw new Error(`recordHistoryFixture: fact #${i} ('${fact.type}'): ${encoded.issues.join('; ')}`);
    state = applyFact(state, { type: fact.type, data: encoded.data } as Fact, BigInt(i), options);
    return {
      revision: i,
      type: fact.type,
      schemaVersion: FACT_VERSIONS[fact.type as FactType],
      data: encoded.data,
      metadata: { snapshotHash: hashThreadState(state) },
    };
  });
  return { format: HISTORY_FORMAT, name: init.name, description: init.description, threadId: init.threadId, events };
}

/** Writes a fixture as pretty JSON (2 spaces, trailing newline). */
export function writeHistoryFixture(file: string, fixture: HistoryFixture): void {
  writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
}

/**
 * Appends a loaded fixture to `thread-<threadId>` (NO_STREAM) in one batch, keeping each event's
 * snapshotHash. Event ids come from `ids` (default: sequentialIds(0x3)).
 */
export async function appendHistoryFixture(store: EventStore, history: LoadedHistory, ids: IdGenerator = sequentialIds(0x3)): Promise<void> {
  await store.appendToStream(
    threadStreamId(history.threadId),
    history.facts.map((fact, i) => {
      const hash = history.events[i]?.metadata.snapshotHash;
      return { id: ids.uuid(), type: fact.type, data: fact.data, metadata: hash === undefined ? {} : { snapshotHash: hash } };
    }),
    { expectedRevision: NO_STREAM },
  );
}
