/** Contract: watchStreamHead — the head at subscription, after commits of this and other instances, completion on close. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { isStoreClosedError } from '../../../src/store/errors.ts';
import { NO_STREAM } from '../../../src/store/event-store.ts';
import { rawEvents, until, useStores } from './helpers.ts';
import type { ContractCapabilities, StoreFactory } from './index.ts';

export function describeStreamHeads(factory: StoreFactory, capabilities: ContractCapabilities = {}): void {
  // An adapter without watchStreamHead is followed through subscribeToStream (src/history/read.ts).
  const withHeads = capabilities.watchStreamHead === false ? it.skip : it;
  describe('watchStreamHead', () => {
    const open = useStores(factory);

    withHeads('emits the head at subscription when past afterRevision, then after commits of this and other instances, never going back', async () => {
      const h = await open({ codec: rawCodec });
      const { store } = h;
      await store.appendToStream('s', rawEvents(2), { expectedRevision: NO_STREAM });
      const heads: bigint[] = [];
      let completed = false;
      const sub = store.watchStreamHead!('s', { afterRevision: 0n }).subscribe({ next: (v) => heads.push(v), complete: () => (completed = true) });
      try {
        await until(() => heads.length === 1, 'the head at subscription');
        expect(heads).toEqual([1n]);
        await store.appendToStream('other', rawEvents(1));
        await store.appendToStream('s', rawEvents(3, 2), { expectedRevision: 1n });
        await until(() => heads.at(-1) === 4n, 'head 4');
        const peer = await h.reopen({ codec: rawCodec });
        await peer.appendToStream('s', rawEvents(1, 5), { expectedRevision: 4n });
        await until(() => heads.at(-1) === 5n, 'head 5 from another instance');
        await peer.close();
        expect(heads).toEqual([...heads].sort((a, b) => (a < b ? -1 : 1)));
        expect(new Set(heads).size).toBe(heads.length);
        await store.close();
        await until(() => completed, 'completion when the store closes');
      } finally {
        sub.unsubscribe();
      }
    });

    withHeads('emits nothing for a stream that stays at or below afterRevision, nor for a stream that does not exist', async () => {
      const { store } = await open({ codec: rawCodec });
      await store.appendToStream('s', rawEvents(2), { expectedRevision: NO_STREAM });
      const heads: bigint[] = [];
      const subs = [store.watchStreamHead!('s', { afterRevision: 1n }), store.watchStreamHead!('missing')].map((o) => o.subscribe({ next: (v) => heads.push(v) }));
      try {
        await store.appendToStream('t', rawEvents(2));
        // A sentinel watch on 't' sees its head: every lookup the commit caused has run by then.
        const sentinel: bigint[] = [];
        const s2 = store.watchStreamHead!('t').subscribe({ next: (v) => sentinel.push(v) });
        await until(() => sentinel.length === 1, "the sentinel stream's head");
        await store.appendToStream('t', rawEvents(1, 2));
        await until(() => sentinel.at(-1) === 2n, "the sentinel's next head");
        s2.unsubscribe();
        expect(heads).toEqual([]);
      } finally {
        for (const s of subs) s.unsubscribe();
      }
    });

    withHeads('refuses to start on a closed store with StoreClosedError', async () => {
      const { store } = await open({ codec: rawCodec });
      await store.close();
      const err = await new Promise<unknown>((resolve) => store.watchStreamHead!('s').subscribe({ error: resolve, complete: () => resolve(undefined) }));
      expect(isStoreClosedError(err)).toBe(true);
    });
  });
}
