/** Contract: readAll — global order across streams, exclusive fromPosition, maxCount. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { collect, ids, rawEvent, rawEvents, useStores } from './helpers.ts';
import type { StoreFactory } from './index.ts';

export function describeReadAll(factory: StoreFactory): void {
  describe('readAll', () => {
    const open = useStores(factory);

    it('is empty on an empty store', async () => {
      const store = (await open({ codec: rawCodec })).store;
      expect(await collect(() => store.readAll())).toEqual([]);
    });

    it('returns every event of every stream in commit order with strictly increasing positions', async () => {
      const store = (await open({ codec: rawCodec })).store;
      const a1 = rawEvents(2, 0);
      const b1 = [rawEvent(10)];
      const a2 = [rawEvent(2)];
      const c1 = rawEvents(3, 20);
      for (const [stream, batch] of [['a', a1], ['b', b1], ['a', a2], ['c', c1]] as const) {
        await store.appendToStream(stream, batch);
      }
      const all = await collect(() => store.readAll());
      expect(ids(all)).toEqual(ids([...a1, ...b1, ...a2, ...c1]));
      expect(all.map((e) => `${e.streamId}@${e.revision}`)).toEqual(['a@0', 'a@1', 'b@0', 'a@2', 'c@0', 'c@1', 'c@2']);
      for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
      const streamA = await collect(() => store.readStream('a'));
      expect(streamA.map((e) => e.position)).toEqual(all.filter((e) => e.streamId === 'a').map((e) => e.position));
    });

    it('starts strictly after fromPosition and stops after maxCount', async () => {
      const store = (await open({ codec: rawCodec })).store;
      for (let i = 0; i < 6; i++) await store.appendToStream(`s-${i % 2}`, [rawEvent(i)]);
      const all = await collect(() => store.readAll());
      const third = all[2]!.position;
      const after = await collect(() => store.readAll({ fromPosition: third }));
      expect(ids(after)).toEqual(ids(all.slice(3)));
      expect(ids(await collect(() => store.readAll({ fromPosition: third, maxCount: 2 })))).toEqual(ids(all.slice(3, 5)));
      expect(ids(await collect(() => store.readAll({ maxCount: 1 })))).toEqual(ids(all.slice(0, 1)));
      expect(await collect(() => store.readAll({ fromPosition: all[5]!.position }))).toEqual([]);
      expect(await collect(() => store.readAll({ maxCount: 0 }))).toEqual([]);
      // A position between two events (positions need not be contiguous) also works.
      expect(ids(await collect(() => store.readAll({ fromPosition: all[0]!.position - 1n })))).toEqual(ids(all));
    });
  });
}
