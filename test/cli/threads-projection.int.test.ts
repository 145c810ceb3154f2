/**
 * `orchestral threads` reads the persisted `threads` projection beside the log: the first call
 * saves its row, a later call folds only the facts after the stored checkpoint (proved by a row
 * edited by hand, whose content shows through), and a thread appended since appears.
 */
import { factCodec } from '../../src/facts/fact-codec.ts';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteProjectionStore } from '../../src/projections/sqlite-projection-store.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { cli, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const open = async (file: string, ids: string[]): Promise<bigint> => {
  const store = getSqliteEventStore({ codec: factCodec, path: file, create: true, durability: 'normal' });
  let last = -1n;
  for (const threadId of ids) {
    ({ position: last } = await store.appendToStream(`thread-${threadId}`, [{ id: randomUUID(), type: 'ThreadOpened', data: { threadId, policy: { kind: 'enqueue' }, maxIterations: 8, title: `title ${threadId}` } }]));
  }
  await store.close();
  return last;
};

const listed = async (storeUrl: string): Promise<Array<{ threadId: string; displayTitle: string }>> => {
  const r = await cli(['threads', '--json', '--store', storeUrl]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { threadId: string; displayTitle: string });
};

describe('threads from the persisted projection', () => {
  it('saves the row, then folds only what follows its checkpoint', async () => {
    const file = join(tmp.dir, 'events.db');
    const storeUrl = `sqlite:${file}`;
    const first = await open(file, ['a', 'b']);
    expect((await listed(storeUrl)).map((t) => t.threadId).sort()).toEqual(['a', 'b']);
    let rows = openSqliteProjectionStore({ path: file });
    const row = await rows.load('threads');
    expect(row?.position).toBe(first);

    // edit the stored state by hand: a call that resumed from the row shows the edit, a call that folded from the first fact would not
    const state = row!.state as { threads: { flat: Array<[string, { displayTitle: string }]> } };
    state.threads.flat.find(([k]) => k === 'a')![1].displayTitle = 'edited in the stored row';
    await rows.save({ ...row!, state });
    await rows.close();

    const last = await open(file, ['c']);
    const second = await listed(storeUrl);
    expect(second.map((t) => t.threadId).sort()).toEqual(['a', 'b', 'c']);
    expect(second.find((t) => t.threadId === 'a')?.displayTitle).toBe('edited in the stored row');
    rows = openSqliteProjectionStore({ path: file });
    expect((await rows.load('threads'))?.position).toBe(last);
    await rows.close();
  });
});
