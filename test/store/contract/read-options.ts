/** Contract: bad `readStream` / `readAll` options — InvalidReadOptionsError naming option and value, on iteration. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { isInvalidReadOptionsError, type InvalidReadOptionsError } from '../../../src/store/errors.ts';
import type { ReadAllOptions, ReadStreamOptions } from '../../../src/store/event-store.ts';
import { collect, rawEvents, rejection, useStores } from './helpers.ts';
import type { StoreFactory } from './index.ts';

/** Bad readStream options (cast: callers from JavaScript or JSON are not type-checked), the option named and the message fragment. */
const BAD_STREAM_OPTIONS: Array<[ReadStreamOptions, string, string]> = [
  [{ maxCount: -1 }, 'maxCount', 'got -1'],
  [{ maxCount: 1.5 }, 'maxCount', 'got 1.5'],
  [{ maxCount: Number.NaN }, 'maxCount', 'got NaN'],
  [{ maxCount: Number.POSITIVE_INFINITY, direction: 'backwards' }, 'maxCount', 'got Infinity'],
  [{ direction: 'sideways' as ReadStreamOptions['direction'] }, 'direction', "got 'sideways'"],
  [{ fromRevision: -1n }, 'fromRevision', 'got -1n'],
  [{ direction: 'backwards', toRevision: -3n }, 'toRevision', 'got -3n'],
  [{ fromRevision: 2 as unknown as bigint }, 'fromRevision', 'got 2'],
];

const BAD_ALL_OPTIONS: Array<[ReadAllOptions, string, string]> = [
  [{ maxCount: -2 }, 'maxCount', 'got -2'],
  [{ maxCount: 0.5 }, 'maxCount', 'got 0.5'],
  [{ fromPosition: 3 as unknown as bigint }, 'fromPosition', 'got 3'],
];

export function describeReadOptions(factory: StoreFactory): void {
  describe('read options', () => {
    const open = useStores(factory);

    it('readStream refuses a bad maxCount, direction or revision with InvalidReadOptionsError {method, option, value}, on iteration', async () => {
      const store = (await open({ codec: rawCodec })).store;
      await store.appendToStream('s', rawEvents(3));
      for (const [options, option, got] of BAD_STREAM_OPTIONS) {
        for (const streamId of ['s', 'missing']) {
          const iterable = store.readStream(streamId, options); // the call itself does not throw
          const err = await rejection(collect(() => iterable));
          expect(isInvalidReadOptionsError(err), `${streamId} ${option}`).toBe(true);
          const e = err as InvalidReadOptionsError;
          expect(e.code).toBe('INVALID_READ_OPTIONS');
          expect(e).toMatchObject({ method: `readStream('${streamId}')`, option });
          expect(e.value).toBe(options[option as keyof ReadStreamOptions]);
          expect(e.message).toContain(`readStream('${streamId}')`);
          expect(e.message).toContain(option);
          expect(e.message).toContain(got);
        }
      }
    });

    it('readAll refuses a bad maxCount or a non-bigint fromPosition with InvalidReadOptionsError', async () => {
      const store = (await open({ codec: rawCodec })).store;
      await store.appendToStream('s', rawEvents(2));
      for (const [options, option, got] of BAD_ALL_OPTIONS) {
        const err = await rejection(collect(() => store.readAll(options)));
        expect(isInvalidReadOptionsError(err), option).toBe(true);
        expect(err).toMatchObject({ code: 'INVALID_READ_OPTIONS', method: 'readAll', option });
        expect((err as Error).message).toContain(`${option} must be`);
        expect((err as Error).message).toContain(got);
      }
    });

    it('accepts the edges: maxCount 0, revisions past the end, fromPosition below -1n', async () => {
      const store = (await open({ codec: rawCodec })).store;
      await store.appendToStream('s', rawEvents(3));
      expect(await collect(() => store.readStream('s', { maxCount: 0 }))).toEqual([]);
      expect((await collect(() => store.readStream('s', { fromRevision: 0n, toRevision: 99n }))).length).toBe(3);
      expect((await collect(() => store.readStream('s', { direction: 'backwards', fromRevision: 99n, toRevision: 0n }))).length).toBe(3);
      expect((await collect(() => store.readAll({ fromPosition: -5n }))).length).toBe(3);
    });
  });
}
