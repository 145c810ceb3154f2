/**
 * Contract: every event carries a chained checksum that every read path verifies. Through the port
 * alone an intact log must verify everywhere a read can start (mid-stream, backwards, mid-log,
 * subscriptions from a revision or position) and `verifyIntegrity` must report nothing. Damage is
 * tested per adapter by editing its storage (test/store/integrity-tamper.int.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { factCodec } from '../../../src/facts/fact-codec.ts';
import { collect, ids, inputReceived, rawEvents, threadOpened, until, useStores, watch } from './helpers.ts';
import type { StoreFactory } from './index.ts';

export function describeIntegrity(factory: StoreFactory): void {
  describe('integrity of an intact log', () => {
    const open = useStores(factory);

    /** Streams 'a' (7 events) and 'b' (5) appended in interleaved batches. */
    async function interleaved() {
      const h = await open({ codec: rawCodec });
      const { store } = h;
      for (let k = 0; k < 3; k++) {
        await store.appendToStream('a', rawEvents(k === 2 ? 3 : 2, k * 2));
        await store.appendToStream('b', rawEvents(k === 2 ? 1 : 2, k * 2));
      }
      return h;
    }

    it('verifies reads starting anywhere: mid-stream, backwards, mid-log', async () => {
      const { store } = await interleaved();
      const a = await collect(() => store.readStream('a'));
      expect(a.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
      expect(ids(await collect(() => store.readStream('a', { fromRevision: 3n })))).toEqual(ids(a.slice(3)));
      expect(ids(await collect(() => store.readStream('a', { fromRevision: 2n, maxCount: 2 })))).toEqual(ids(a.slice(2, 4)));
      expect(ids(await collect(() => store.readStream('a', { direction: 'backwards' })))).toEqual(ids([...a].reverse()));
      expect(ids(await collect(() => store.readStream('a', { direction: 'backwards', maxCount: 1 })))).toEqual(ids(a.slice(-1)));
      const all = await collect(() => store.readAll());
      expect(all).toHaveLength(12);
      for (const from of [all[3]!.position, all[6]!.position]) {
        const rest = await collect(() => store.readAll({ fromPosition: from }));
        expect(ids(rest)).toEqual(ids(all.filter((e) => e.position > from)));
      }
    });

    it('verifies subscriptions from a revision or a position, and live events after them', async () => {
      const { store } = await interleaved();
      const all = await collect(() => store.readAll());
      const s = watch(store.subscribeToStream('b', { fromRevision: 3n }));
      const w = watch(store.subscribeToAll({ fromPosition: all[4]!.position }));
      await until(() => s.events.length === 2 && w.events.length === 7, 'catch-up');
      await store.appendToStream('b', rawEvents(1, 9));
      await until(() => s.events.length === 3 && w.events.length === 8, 'live events');
      expect(s.events.map((e) => e.revision)).toEqual([3n, 4n, 5n]);
      expect([s.error, w.error]).toEqual([undefined, undefined]);
      s.stop();
      w.stop();
    });

    it('verifyIntegrity reports nothing on an intact log (raw events and facts alike)', async () => {
      const { store } = await interleaved();
      expect(await collect(() => store.verifyIntegrity())).toEqual([]);
      const facts = await open({ codec: factCodec });
      await facts.store.appendToStream('thread-x', [threadOpened('x'), inputReceived('in-1')]);
      expect(await collect(() => facts.store.verifyIntegrity())).toEqual([]);
    });

    it('verifyIntegrity reports an event the reading codec refuses as undecodable, naming it', async () => {
      const h = await open({ codec: rawCodec });
      await h.store.appendToStream('thread-y', [threadOpened('y'), rawEvents(1)[0]!]);
      const strict = await h.reopen({ codec: factCodec });
      const issues = await collect(() => strict.verifyIntegrity());
      expect(issues.map((i) => [i.streamId, i.revision, i.reason])).toEqual([['thread-y', 1n, 'undecodable']]);
      expect(issues[0]!.message).toMatch(/stream 'thread-y' revision 1 .*undecodable/);
    });
  });
}
