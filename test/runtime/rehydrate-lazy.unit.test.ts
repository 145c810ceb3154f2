/**
 * A runtime rehydrating from a snapshot cache entry makes only the interactions it reads: its
 * summary lists every interaction without making them, and a new input names the next interaction
 * without reading the others. Shown with an entry whose first interaction's segment is corrupt
 * (reading it throws SNAPSHOT_ENTRY_CORRUPT). The entry carries the state hash accumulator of the
 * state the runtime saved, so the appends after the load record their state hash (`hashEvery`, by
 * default every append) digesting only the actors they change; an entry without it (`hashEvery: 0`
 * before the save: the state was never hashed) makes the first hash digest, and so read, every actor.
 */
import { describe, expect, it } from 'vitest';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { replayThread } from '../../src/history/replay.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { decodeThreadState, encodeThreadState, isSnapshotEntryCorruptError } from '../../src/history/snapshot-cache/snapshot-cache-format.ts';
import type { SnapshotCache } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { harness, settle } from './runtime-fixtures.ts';

/** A cache holding the last entry saved; `corrupt` changes a digit of the first interaction's segment of what it loads. */
function entryCache(): SnapshotCache & { text?: string; corrupt: boolean; frozen: boolean } {
  const cache: SnapshotCache & { text?: string; corrupt: boolean; frozen: boolean } = {
    corrupt: false,
    frozen: false,
    async save(state) {
      if (!cache.frozen) cache.text = encodeThreadState(state);
    },
    async load() {
      if (cache.text === undefined) return undefined;
      let text = cache.text;
      if (cache.corrupt) {
        const bodyEnd = text.indexOf('\n', text.indexOf('\n') + 1);
        const at = text.slice(bodyEnd + 1).search(/[0-9]/) + bodyEnd + 1; // in the first interaction's segment
        text = text.slice(0, at) + String((Number(text[at]) + 1) % 10) + text.slice(at + 1);
      }
      return decodeThreadState(text);
    },
    async delete() {},
    async close() {},
  };
  return cache;
}

describe('runtime rehydration from a snapshot cache entry', () => {
  it('lists every interaction in its summary and starts the next one without making the others', async () => {
    const cache = entryCache();
    const first = harness({ script: [{ kind: 'done', answer: 'a' }, { kind: 'done', answer: 'b' }, { kind: 'done', answer: 'c' }, { kind: 'done', answer: 'd' }], snapshotCache: cache });
    await first.rt.openThread({ threadId: 't', input: { text: 'one' } });
    await settle(first.rt, 't');
    for (const text of ['two', 'three']) {
      await first.rt.send('t', text);
      await settle(first.rt, 't');
    }
    await first.rt.close(); // saves the entry
    expect(cache.text).toBeDefined();
    cache.corrupt = true;
    cache.frozen = true; // a save would read every interaction (and throw on the corrupt one)

    // hashEvery 0: a recorded state hash digests every actor (so the first append after a load would make them all)
    const second = harness({ log: first.log, script: [{ kind: 'done', answer: 'd' }], snapshotCache: cache, hashEvery: 0, seed: 2 });
    const summary = await second.rt.load('t');
    expect(Object.keys(summary.interactions)).toEqual(['i1', 'i2', 'i3']);
    expect(summary.interactions.i3!.answer).toBe('c');
    expect(summary.interactions.i3).toBe(summary.interactions.i3); // made once
    let err: unknown;
    try {
      void summary.interactions.i1;
    } catch (e) {
      err = e;
    }
    expect(isSnapshotEntryCorruptError(err)).toBe(true); // i1 was never made before this read
    await second.rt.send('t', 'four');
    const after = await settle(second.rt, 't');
    expect(after.interactions.i4!.answer).toBe('d'); // the next id, counted without reading i1..i3
    await second.rt.close();
  });

  it('records state hashes after the load from the entry\'s accumulator, without reading the other interactions; the full fold verifies them', async () => {
    const cache = entryCache();
    const first = harness({ script: [{ kind: 'done', answer: 'a' }, { kind: 'done', answer: 'b' }, { kind: 'done', answer: 'c' }], snapshotCache: cache });
    await first.rt.openThread({ threadId: 't', input: { text: 'one' } });
    await settle(first.rt, 't');
    await first.rt.send('t', 'two');
    await settle(first.rt, 't');
    await first.rt.close(); // saves the entry of a state it hashed
    expect(cache.text).toMatch(/"hashAccV2":"[0-9a-f]{32}"/);
    cache.corrupt = true;
    cache.frozen = true;

    const second = harness({ log: first.log, script: [{ kind: 'done', answer: 'c' }], snapshotCache: cache, seed: 2 }); // hashEvery: every append
    const before = (await second.rt.load('t')).revision;
    await second.rt.send('t', 'three'); // throws SNAPSHOT_ENTRY_CORRUPT if its hash reads i1
    const after = await settle(second.rt, 't');
    expect(after.interactions.i3!.answer).toBe('c');
    await second.rt.close();
    const store = getInMemoryEventStore({ codec: factCodec, log: first.log });
    const hashed: bigint[] = [];
    for await (const e of store.readStream('thread-t')) if (e.revision > before && e.metadata.snapshotHash !== undefined) hashed.push(e.revision);
    expect(hashed.length).toBeGreaterThan(0); // appends after the load recorded hashes
    await replayThread(store, 't', { verify: true }); // each equals the full fold's
  });

  it('an entry of a state never hashed (no accumulator) still loads; the first hash after it reads every actor', async () => {
    const cache = entryCache();
    const first = harness({ script: [{ kind: 'done', answer: 'a' }, { kind: 'done', answer: 'b' }], snapshotCache: cache, hashEvery: 0 });
    await first.rt.openThread({ threadId: 't', input: { text: 'one' } });
    await settle(first.rt, 't');
    await first.rt.close();
    expect(cache.text).toBeDefined();
    expect(cache.text).not.toContain('hashAccV2');
    cache.frozen = true; // both runtimes below load this entry
    const second = harness({ log: first.log, script: [{ kind: 'done', answer: 'b' }], snapshotCache: cache, seed: 2 });
    await second.rt.send('t', 'two');
    expect((await settle(second.rt, 't')).interactions.i2!.answer).toBe('b');
    await second.rt.close();
    await replayThread(getInMemoryEventStore({ codec: factCodec, log: first.log }), 't', { verify: true });
    cache.corrupt = true; // now the first hash reads i1 and meets its corrupt segment
    const third = harness({ log: first.log, script: [{ kind: 'done', answer: 'x' }], snapshotCache: cache, seed: 3 });
    const failed = await third.rt.send('t', 'three').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSnapshotEntryCorruptError((failed as { cause?: unknown } | undefined)?.cause)).toBe(true); // the runner stopped on it
    await third.rt.close().catch(() => undefined);
  });
});
