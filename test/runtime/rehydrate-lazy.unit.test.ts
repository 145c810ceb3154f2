/**
 * A runtime rehydrating from a snapshot cache entry makes only the interactions it reads: its
 * summary lists every interaction without making them, and a new input names the next interaction
 * without reading the others. Shown with an entry whose first interaction's segment is corrupt
 * (reading it throws SNAPSHOT_ENTRY_CORRUPT). Appends that record a state hash (`hashEvery`, by
 * default every append) digest every actor, so they are turned off after the load.
 */
import { describe, expect, it } from 'vitest';
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
});
