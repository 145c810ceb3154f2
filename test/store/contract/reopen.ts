/** Contract: another store instance on the same data sees every acknowledged append, live or after close. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { NO_STREAM } from '../../../src/store/event-store.ts';
import { collect, ids, rawEvents, until, useStores, watch } from './helpers.ts';
import type { StoreFactory } from './index.ts';

export function describeReopen(factory: StoreFactory): void {
  describe('reopen on the same data', () => {
    const open = useStores(factory);

    it('keeps every acknowledged append, revisions and positions after close and reopen', async () => {
      const h = await open({ codec: rawCodec });
      await h.store.appendToStream('k', rawEvents(3), { expectedRevision: NO_STREAM });
      await h.store.appendToStream('l', rawEvents(2));
      const before = await collect(() => h.store.readAll());
      await h.store.close();
      const again = await h.reopen({ codec: rawCodec });
      const after = await collect(() => again.readAll());
      expect(after).toEqual(before);
      expect(await again.streamRevision('k')).toBe(2n);
      const r = await again.appendToStream('k', rawEvents(1, 3), { expectedRevision: 2n });
      expect(r.nextExpectedRevision).toBe(3n);
      expect(r.position).toBeGreaterThan(before.at(-1)!.position);
      await again.close();
    });

    it('a second open instance sees the first one’s appends, in reads and in its subscriptions', async () => {
      const h = await open({ codec: rawCodec });
      const second = await h.reopen({ codec: rawCodec });
      const w = watch(second.subscribeToAll());
      const batch = rawEvents(2);
      await h.store.appendToStream('shared', batch);
      expect(ids(await collect(() => second.readStream('shared')))).toEqual(ids(batch));
      await until(() => w.events.length >= 2, 'the second instance to see 2 events');
      expect(ids(w.events)).toEqual(ids(batch));
      w.stop();
      await second.close();
    });
  });
}
