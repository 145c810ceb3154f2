/**
 * Contract: the codec — facts validated on append (the field named), decoded on read with upcasts;
 * unknown types, invalid payloads and newer schema versions read back as EventDecodeError, never skipped.
 * Bad stored data is written through `rawCodec`, then read by another instance using the fact codec.
 */
import { describe, expect, it } from 'vitest';
import { factCodec } from '../../../src/facts/fact-codec.ts';
import { rawCodec } from '../../../src/store/codec.ts';
import {
  isEventDecodeError,
  isEventValidationError,
  type EventDecodeError,
  type EventValidationError,
} from '../../../src/store/errors.ts';
import type { EventStore } from '../../../src/store/event-store.ts';
import { collect, inputReceived, rawEvent, rejection, threadOpened, useStores, uuid } from './helpers.ts';
import type { StoreFactory } from './index.ts';

const stepRef = { interactionId: 'int-1', planId: 'plan-1', stepId: 'fetch' };

export function describeCodec(factory: StoreFactory): void {
  describe('codec', () => {
    const open = useStores(factory);

    it('uses the fact codec by default: valid facts go in and come back with defaults applied', async () => {
      const store = (await open()).store;
      await store.appendToStream('thread-t1', [threadOpened('t1'), inputReceived('in-1', 'hi')], { expectedRevision: 'no_stream' });
      const [opened, input] = await collect(() => store.readStream('thread-t1'));
      expect(opened?.type).toBe('ThreadOpened');
      expect(opened?.data).toEqual({ threadId: 't1', policy: { kind: 'enqueue' }, maxIterations: 8 });
      expect(opened?.metadata.schemaVersion).toBe(1);
      expect(input?.data).toEqual({ inputId: 'in-1', text: 'hi' });
    });

    it('refuses an invalid fact on append naming the field, and writes nothing of its batch', async () => {
      const store = (await open()).store;
      const bad = { id: uuid(), type: 'InputReceived', data: { inputId: 'in-2', text: 42 } };
      const err = await rejection(store.appendToStream('thread-t2', [inputReceived('in-1'), bad]));
      expect(isEventValidationError(err)).toBe(true);
      const v = err as EventValidationError;
      expect(v.index).toBe(1);
      expect(v.type).toBe('InputReceived');
      expect(v.issues.join(' ')).toContain('data.text');
      expect(v.message).toContain('thread-t2');
      expect(await store.streamRevision('thread-t2')).toBeUndefined();
    });

    it('refuses an unknown fact type on append, and an old schemaVersion for a new write', async () => {
      const store = (await open()).store;
      const unknown = await rejection(store.appendToStream('t', [rawEvent(0, {}, 'NoSuchFact')]));
      expect(isEventValidationError(unknown)).toBe(true);
      expect((unknown as EventValidationError).issues.join(' ')).toContain("unknown fact type 'NoSuchFact'");
      const v1 = {
        id: uuid(),
        type: 'StepFailed',
        data: { ...stepRef, attempt: 1, error: { message: 'x' }, retryInMs: null, retryAtMs: null },
        metadata: { schemaVersion: 1 },
      };
      const old = await rejection(store.appendToStream('t', [v1]));
      expect(isEventValidationError(old)).toBe(true);
      expect((old as Error).message).toContain('schemaVersion');
    });

    /** Writes `events` raw to `streamId`, then returns a fact-codec store on the same data. */
    const writeRawThenReopen = async (streamId: string, events: Parameters<EventStore['appendToStream']>[1]): Promise<EventStore> => {
      const h = await open({ codec: rawCodec });
      await h.store.appendToStream(streamId, events);
      return h.reopen({ codec: factCodec });
    };

    it('reads a stored unknown type as EventDecodeError {streamId, revision, type, issues}, after the good events', async () => {
      const good = inputReceived('in-1');
      const store = await writeRawThenReopen('thread-d', [good, rawEvent(1, {}, 'NoSuchFact'), inputReceived('in-2')]);
      const seen: string[] = [];
      const err = await rejection(
        (async () => {
          for await (const e of store.readStream('thread-d')) seen.push(e.id);
        })(),
      );
      expect(seen).toEqual([good.id]);
      expect(isEventDecodeError(err)).toBe(true);
      const d = err as EventDecodeError;
      expect(d.streamId).toBe('thread-d');
      expect(d.revision).toBe(1n);
      expect(d.type).toBe('NoSuchFact');
      expect(d.issues.join(' ')).toContain('unknown fact type');
      expect(isEventDecodeError(await rejection(collect(() => store.readAll())))).toBe(true);
      await store.close();
    });

    it('reads a stored invalid payload as EventDecodeError naming the field', async () => {
      const store = await writeRawThenReopen('thread-e', [{ id: uuid(), type: 'InputReceived', data: { inputId: 'bad id!' } }]);
      const err = await rejection(collect(() => store.readStream('thread-e')));
      expect(isEventDecodeError(err)).toBe(true);
      const d = err as EventDecodeError;
      expect(d.revision).toBe(0n);
      expect(d.type).toBe('InputReceived');
      expect(d.issues.join(' ')).toContain('data.inputId');
      expect(d.issues.join(' ')).toContain('data.text');
      await store.close();
    });

    it('upcasts a stored StepFailed v1 (error as a string) to v2 on read', async () => {
      const v1 = (retryInMs: number | null) => ({
        id: uuid(),
        type: 'StepFailed',
        data: { ...stepRef, attempt: 1, error: 'connection reset', retryInMs, durationMs: 12 },
        metadata: { schemaVersion: 1 },
      });
      const store = await writeRawThenReopen('thread-u', [v1(500), v1(null)]);
      const [retry, final] = await collect(() => store.readStream('thread-u'));
      expect(retry?.metadata.schemaVersion).toBe(2);
      expect(retry?.data).toEqual({
        ...stepRef,
        attempt: 1,
        error: { message: 'connection reset' },
        retryInMs: 500,
        retryAtMs: 0,
        costUsd: 0,
        durationMs: 12,
      });
      expect(final?.data).toMatchObject({ error: { message: 'connection reset' }, retryInMs: null, retryAtMs: null });
      await store.close();
    });

    it('reads a schemaVersion newer than the code knows as EventDecodeError', async () => {
      const store = await writeRawThenReopen('thread-n', [
        {
          id: uuid(),
          type: 'StepFailed',
          data: { ...stepRef, attempt: 1, error: { message: 'x' }, retryInMs: null, retryAtMs: null },
          metadata: { schemaVersion: 3 },
        },
      ]);
      const err = await rejection(collect(() => store.readStream('thread-n')));
      expect(isEventDecodeError(err)).toBe(true);
      expect((err as EventDecodeError).issues.join(' ')).toContain('newer');
      await store.close();
    });
  });
}
