/**
 * The event store contract suite: one set of behaviours every EventStore adapter must show.
 * Adapter tests call `runEventStoreContract('sqlite', factory)` inside their own `*.test.ts` file;
 * this directory holds no test file of its own, so vitest only runs it through an adapter.
 *
 * One file per port method group: append, readStream, readAll, read options, subscriptions, stream heads, codec, size limit,
 * reopen, integrity. Properties (fast-check) are in `properties.ts` (`runEventStoreProperties`).
 */
import { describe } from 'vitest';
import type { Clock } from '../../../src/core/clock.ts';
import type { EventCodec } from '../../../src/store/codec.ts';
import type { EventStore } from '../../../src/store/event-store.ts';
import { describeAppend } from './append.ts';
import { describeCodec } from './codec.ts';
import { describeIntegrity } from './integrity.ts';
import { describeReadAll } from './read-all.ts';
import { describeReadOptions } from './read-options.ts';
import { describeReadStream } from './read-stream.ts';
import { describeReopen } from './reopen.ts';
import { describeSizeLimit } from './size-limit.ts';
import { describeStreamHeads } from './stream-heads.ts';
import { describeSubscriptions } from './subscriptions.ts';

/** Options an adapter factory must honour (defaults: fact codec, 1 MiB, system clock). */
export interface StoreFactoryOptions {
  codec?: EventCodec;
  /** Largest event in UTF-8 bytes of data + metadata JSON. */
  maxEventBytes?: number;
  clock?: Clock;
}

/** A fresh, empty store plus a way to open another instance on the same data, and cleanup. */
export interface StoreHandle {
  store: EventStore;
  /**
   * Opens another store on the same underlying data (same file, same in-memory log), with its own
   * options (defaults as for the factory). The first instance may still be open.
   */
  reopen(opts?: StoreFactoryOptions): Promise<EventStore>;
  /** Closes every store opened through this handle (closing twice must be harmless) and removes the data. */
  teardown(): Promise<void>;
}

/** Creates an empty store for one test. */
export type StoreFactory = (opts?: StoreFactoryOptions) => Promise<StoreHandle>;

/**
 * What an adapter's server does not offer, so the tests relying on it are skipped (and reported
 * as skipped) for that adapter. Absent = supported.
 */
export interface ContractCapabilities {
  /**
   * `false`: no global event-id index (KurrentDB): an idempotent retry is recognised only where
   * the expectation designates (or at the stream's end for ANY), and an id reused in another
   * stream, or elsewhere in the stream, is not refused.
   */
  globalEventIds?: boolean;
  /** `false`: the adapter has no `watchStreamHead` (optional on the port; followers use `subscribeToStream`). */
  watchStreamHead?: boolean;
}

/**
 * Registers the contract suite (vitest `describe` blocks) for one adapter.
 * @param adapterName shown in test names, e.g. `in-memory`, `sqlite`.
 * @param factory creates a fresh store per test; every handle's `teardown` runs after its test.
 * @param capabilities what the adapter lacks (those tests are skipped for it).
 */
export function runEventStoreContract(adapterName: string, factory: StoreFactory, capabilities: ContractCapabilities = {}): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    describeAppend(factory, capabilities);
    describeReadStream(factory);
    describeReadAll(factory);
    describeReadOptions(factory);
    describeSubscriptions(factory);
    describeStreamHeads(factory, capabilities);
    describeCodec(factory);
    describeSizeLimit(factory);
    describeReopen(factory);
    describeIntegrity(factory);
  });
}
