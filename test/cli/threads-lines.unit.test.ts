/**
 * The stored `threads --json` lines: printed as stored while the log has not moved past their
 * position, rendered again (and saved) when it has, when the row is of another projection version or
 * line format or has the wrong shape, and when loading it fails; owners are set on the way out; a
 * failed save changes nothing printed.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { THREADS_LINES_ROW, threadLines } from '../../src/cli/threads-lines.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { catchUpPersisted } from '../../src/projections/catch-up-persisted.ts';
import { createInMemoryProjectionStore } from '../../src/projections/in-memory-projection-store.ts';
import { ProjectionStoreError } from '../../src/projections/projection-errors.ts';
import type { ProjectionStore } from '../../src/projections/projection-store.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import type { LeaseHolder } from '../../src/ownership/lease.ts';
import { threadListings, threadsProjection } from '../../projections/threads.ts';

const open = (store: EventStore, threadId: string) =>
  store.appendToStream(`thread-${threadId}`, [{ id: randomUUID(), type: 'ThreadOpened', data: { threadId, policy: { kind: 'enqueue' }, maxIterations: 8, title: `title ${threadId}` } }]);

/** threadLines over `rows`, counting how often it had to render. */
function lister(store: EventStore, rows: ProjectionStore) {
  let renders = 0;
  const listings = async () => {
    renders++;
    const caught = await catchUpPersisted(threadsProjection, store, rows);
    return { threads: threadListings(caught.state), position: caught.position };
  };
  return {
    lines: (owners: ReadonlyMap<string, LeaseHolder> = new Map()) => threadLines(store, rows, owners, listings),
    renders: () => renders,
  };
}

const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { threadId: string }).threadId).sort();

describe('stored threads --json lines', () => {
  it('prints the stored lines until the log moves past their position', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    const rows = createInMemoryProjectionStore();
    const l = lister(store, rows);
    await open(store, 'a');
    await open(store, 'b');
    const first = await l.lines();
    expect(ids(first)).toEqual(['a', 'b']);
    expect(l.renders()).toBe(1);
    for (const line of first) expect(JSON.parse(line)).toMatchObject({ owner: null, displayTitle: expect.stringMatching(/^title /) });

    // an edited row shows through: the second call read it rather than rendering
    const row = (await rows.load(THREADS_LINES_ROW))!;
    const state = row.state as { lines: string[] };
    state.lines[0] = state.lines[0]!.replace(/"displayTitle":"[^"]*"/, '"displayTitle":"edited"');
    await rows.save({ ...row, state });
    const second = await l.lines();
    expect(l.renders()).toBe(1);
    expect(second.some((x) => (JSON.parse(x) as { displayTitle: string }).displayTitle === 'edited')).toBe(true);

    const { position } = await open(store, 'c');
    const third = await l.lines();
    expect(l.renders()).toBe(2);
    expect(ids(third)).toEqual(['a', 'b', 'c']);
    expect(third.some((x) => x.includes('"edited"'))).toBe(false);
    expect((await rows.load(THREADS_LINES_ROW))?.position).toBe(position);
    await store.close();
  });

  it.each([
    ['another projection version', (r: { version: number; state: unknown }) => ({ ...r, version: r.version + 1 })],
    ['another line format', (r: { version: number; state: unknown }) => ({ ...r, state: { ...(r.state as object), format: 99 } })],
    ['ids and lines of different lengths', (r: { version: number; state: unknown }) => ({ ...r, state: { ...(r.state as object), ids: [] } })],
    ['a state that is not an object', (r: { version: number; state: unknown }) => ({ ...r, state: 'lines' })],
  ])('renders again over a row with %s', async (_what, spoil) => {
    const store = getInMemoryEventStore({ codec: factCodec });
    const rows = createInMemoryProjectionStore();
    const l = lister(store, rows);
    await open(store, 'a');
    const first = await l.lines();
    const row = (await rows.load(THREADS_LINES_ROW))!;
    await rows.save({ ...row, ...spoil(row) });
    expect(await l.lines()).toEqual(first);
    expect(l.renders()).toBe(2);
    expect((await rows.load(THREADS_LINES_ROW))?.state).toEqual(row.state);
    await store.close();
  });

  it('renders when the row cannot be loaded, and prints the same when it cannot be saved', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    const inner = createInMemoryProjectionStore();
    const refuse = (name: string) => Promise.reject(new ProjectionStoreError('test', name, 'refused'));
    const rows: ProjectionStore = { ...inner, load: (name) => (name === THREADS_LINES_ROW ? refuse(name) : inner.load(name)), save: (r) => (r.name === THREADS_LINES_ROW ? refuse(r.name) : inner.save(r)) };
    const l = lister(store, rows);
    await open(store, 'a');
    expect(ids(await l.lines())).toEqual(['a']);
    expect(ids(await l.lines())).toEqual(['a']);
    expect(l.renders()).toBe(2);
    await store.close();
  });

  it('sets the owner of owned threads, on stored and on rendered lines', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    const rows = createInMemoryProjectionStore();
    const l = lister(store, rows);
    await open(store, 'a');
    await open(store, 'b');
    const holder: LeaseHolder = { id: 'w1', pid: 42, host: 'h "quoted"', bootId: '', acquiredAtMs: 0, expiresAtMs: 1000 };
    const owners = new Map([['b', holder]]);
    for (const lines of [await l.lines(owners), await l.lines(owners)]) {
      const parsed = lines.map((x) => JSON.parse(x) as { threadId: string; owner: unknown });
      expect(parsed.find((t) => t.threadId === 'a')?.owner).toBeNull();
      expect(parsed.find((t) => t.threadId === 'b')?.owner).toEqual({ id: 'w1', pid: 42, host: 'h "quoted"', bootId: '', since: '1970-01-01T00:00:00.000Z', expiresAt: '1970-01-01T00:00:01.000Z' });
      expect(Object.keys(parsed[0]!).at(-1)).toBe('owner');
    }
    expect(l.renders()).toBe(1);
    await store.close();
  });
});
