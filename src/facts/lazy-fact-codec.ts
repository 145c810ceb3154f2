/**
 * The fact codec, loaded on first use: `factCodec` (`fact-codec.ts`) imports zod and every fact
 * schema, which costs more than the rest of the start-up of a command that only opens a store to
 * read it. A store given this codec imports them when it first encodes or decodes a fact (see
 * `EventCodec.load`), so reading an empty log, or a persisted projection with nothing after its
 * checkpoint, never loads them.
 */
import { lazyCodec, type EventCodec } from '../store/codec.ts';

/**
 * A new lazy fact codec (the same validation and upcasting as `factCodec`, once loaded).
 * @returns a codec with `load()`; its `encode`/`decode` throw CodecNotLoadedError before `load()`
 *   resolved (the SQLite adapter and `openEventStore` call `load()` themselves).
 */
export function lazyFactCodec(): EventCodec & { load(): Promise<void> } {
  return lazyCodec(async () => (await import('./fact-codec.ts')).factCodec);
}
