import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/core/ids.ts';
import { forkThread } from '../../src/runtime/fork.ts';
import { replayThread } from '../../src/history/replay.ts';
import { interactionView, threadView } from '../../src/history/fold/views.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { appendHistoryFixture, loadHistoryFixture } from '../support/history-fixture.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const history = loadHistoryFixture('basic-thread');

async function setup() {
  const store = getInMemoryEventStore({ codec: factCodec });
  await appendHistoryFixture(store, history);
  return store;
}

describe('forkThread', () => {
  it('copies revisions 0..N, rewrites the thread id, appends ThreadForked; the source is untouched', async () => {
    const store = await setup();
    const before = await store.streamRevision('thread-t-basic');
    const res = await forkThread(store, { threadId: 't-basic', atRevision: 17n, newThreadId: 't-fork', ids: sequentialIds(7) });
    expect(res).toEqual({ threadId: 't-fork', streamId: 'thread-t-fork', revision: 18n });
    expect(await store.streamRevision('thread-t-basic')).toBe(before);
    const events = [];
    for await (const e of store.readStream('thread-t-fork')) events.push(e);
    expect(events).toHaveLength(19);
    expect(events[0]!.data).toMatchObject({ threadId: 't-fork' });
    expect(events[18]).toMatchObject({ type: 'ThreadForked', data: { threadId: 't-fork', from: { threadId: 't-basic', revision: 17 } } });
    expect(events.slice(1, 18).map((e) => e.data)).toEqual(history.facts.slice(1, 18).map((f) => f.data));
    // verified replay of the fork passes (hashes were recomputed), and it is the source's state at 17 plus forkedFrom
    const fork = await replayThread(store, 't-fork', { verify: true });
    const source = await replayThread(store, 't-basic', { toRevision: 17n });
    expect(threadView(fork)).toEqual({ ...threadView(source), threadId: 't-fork', forkedFrom: { threadId: 't-basic', revision: 17 } });
    expect(interactionView(fork, 'int-1')).toEqual(interactionView(source, 'int-1'));
  });

  it('forking a closed thread at its end reopens it', async () => {
    const store = await setup();
    await forkThread(store, { threadId: 't-basic', atRevision: 31n, newThreadId: 't-again', ids: sequentialIds(8) });
    expect(threadView(await replayThread(store, 't-again')).status).toBe('open');
  });

  it('refuses bad revisions, unknown threads and an existing target', async () => {
    const store = await setup();
    const ids = sequentialIds(9);
    await expect(forkThread(store, { threadId: 't-basic', atRevision: 32n, newThreadId: 'x', ids })).rejects.toThrow(/past the thread's last revision 31/);
    await expect(forkThread(store, { threadId: 't-basic', atRevision: -1n, newThreadId: 'x', ids })).rejects.toMatchObject({ code: 'THREAD_REVISION' });
    await expect(forkThread(store, { threadId: 'ghost', atRevision: 0n, newThreadId: 'x', ids })).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    await forkThread(store, { threadId: 't-basic', atRevision: 3n, newThreadId: 'x', ids });
    await expect(forkThread(store, { threadId: 't-basic', atRevision: 3n, newThreadId: 'x', ids })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
  });
});
