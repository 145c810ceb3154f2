/**
 * The SQLite adapter with other processes on the same file: a writer killed with SIGKILL mid-loop
 * (every acknowledged append survives, the file opens cleanly), a live subscription seeing another
 * process's commits by polling, and a subscribed process that still exits on its own.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { collect, ids, rawEvents, until, watch } from './contract/helpers.ts';
import { runFixtureSync, startFixture, tempDir } from './fixtures/sqlite-helpers.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function newPath(): string {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  return join(tmp.dir, 'events.db');
}

interface Ack {
  streamId: string;
  revision: bigint;
  id: string;
}

/**
 * Starts the append-loop child on `path`, waits until it has acknowledged at least `minAcks` events,
 * kills it with SIGKILL and returns every acknowledgement it printed.
 */
async function appendThenKill(path: string, minAcks: number): Promise<Ack[]> {
  const child: ChildProcess = startFixture('append-loop.ts', [path, '4']);
  cleanups.push(() => void child.kill('SIGKILL'));
  const acks: Ack[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [tag, streamId, revision, id] = line.split(' ');
      if (tag === 'ack' && streamId && revision && id) acks.push({ streamId, revision: BigInt(revision), id });
    }
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await until(() => acks.length >= minAcks || child.exitCode !== null, `${minAcks} acknowledgements`, 20_000);
  expect(stderr).toBe('');
  expect(child.exitCode).toBeNull(); // still looping: the kill lands mid-loop
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return acks;
}

describe('sqlite store: other processes', () => {
  it('keeps every acknowledged append of a writer killed with SIGKILL, three times over; the file opens cleanly', async () => {
    const path = newPath();
    const acked: Ack[] = [];
    for (let round = 0; round < 3; round++) acked.push(...(await appendThenKill(path, 150 * (round + 1))));

    const store = getSqliteEventStore({ path, codec: rawCodec });
    cleanups.push(() => store.close());
    const streams = new Map<string, Map<bigint, string>>();
    for (const a of acked) {
      const byRev = streams.get(a.streamId) ?? new Map<bigint, string>();
      streams.set(a.streamId, byRev.set(a.revision, a.id));
    }
    expect(streams.size).toBe(4);
    for (const [streamId, byRev] of streams) {
      const events = await collect(() => store.readStream(streamId));
      events.forEach((e, i) => expect(e.revision).toBe(BigInt(i))); // contiguous from 0
      const stored = new Map(events.map((e) => [e.revision, e.id]));
      for (const [revision, id] of byRev) expect(stored.get(revision), `${streamId}@${revision}`).toBe(id);
    }
    const all = await collect(() => store.readAll());
    for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
    expect(all.length).toBeGreaterThanOrEqual(acked.length);

    const check = new Database(path, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it("delivers another process's commits to a live subscription by polling, without gap or repeat", async () => {
    const path = newPath();
    const store = getSqliteEventStore({ path, codec: rawCodec, pollIntervalMs: 10 });
    cleanups.push(() => store.close());
    await store.appendToStream('local', rawEvents(3));
    const w = watch(store.subscribeToAll());
    cleanups.push(() => w.stop());
    await appendThenKill(path, 100);
    const all = await collect(() => store.readAll());
    await until(() => w.events.length >= all.length, 'the other process’s events', 20_000);
    expect(w.error).toBeUndefined();
    expect(ids(w.events)).toEqual(ids(all));
    expect(all.length).toBeGreaterThan(100);
  });

  it('a process with an open subscription and nothing else to do exits on its own (the poll timer is unref’d)', async () => {
    const path = newPath();
    const store = getSqliteEventStore({ path, codec: rawCodec });
    await store.appendToStream('s', rawEvents(4));
    await store.close();
    const run = runFixtureSync('subscribe-idle.ts', [path, '4'], { timeoutMs: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('caught-up');
  });
});
