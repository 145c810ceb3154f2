/**
 * Where the server's commands run: on a thread its worker runs, the worker's live runtime; on a
 * thread nobody runs (waiting for an approval), one append-only runtime kept across commands that
 * sees facts other writers appended since its last command; the per-command baseline still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../src/cli/session.ts';
import { startFixture, stepStatus, testPlan, waitFor, type ServeFixture } from './serve-fixture.ts';

let f: ServeFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f.close();
});

const revisionOf = async (id: string): Promise<number> => Number(await f.store.streamRevision(`thread-${id}`));

describe('command routing', () => {
  it('a thread the worker runs: commands go to its live runtime', async () => {
    await f.request('/threads', { body: { threadId: 'run', plan: testPlan({ sleepMs: 5000 }) } });
    await waitFor('sleep running', async () => (stepStatus((await f.request('/threads/run')).json, 'wait') === 'running' ? true : undefined));
    const before = f.server.context.runtime.commandCounts();
    const sent = await Promise.all([1, 2, 3].map((i) => f.request('/threads/run/send', { body: { text: `more ${i}` } })));
    expect(sent.map((s) => s.status)).toEqual([202, 202, 202]);
    const after = f.server.context.runtime.commandCounts();
    expect(after.live - before.live).toBe(3);
    expect(after.cached).toBe(before.cached);
    const cancelled = await f.request('/threads/run/cancel', { body: { reason: 'done here' } });
    expect(cancelled.status).toBe(202);
  });

  it('a thread nobody runs: one cached runtime, refreshed with facts appended elsewhere', async () => {
    await f.request('/threads', { body: { threadId: 'wait', plan: testPlan({ approval: true }) } });
    await waitFor('approval pending', async () => ((await f.request('/threads/wait')).json['pendingApprovals'] as unknown[]).length > 0 || undefined);
    await waitFor('worker released', () => (f.server.context.runtime.worker.running().includes('wait') ? undefined : true));
    const before = f.server.context.runtime.commandCounts();
    expect((await f.request('/threads/wait/send', { body: { text: 'first' } })).status).toBe(202);

    // another writer appends (an append-only runtime of its own), then a command naming the new revision is accepted
    const other = await createSession({ store: f.store, workspace: f.dir, descriptor: undefined, ownership: 'append' });
    await other.runtime.send('wait', 'from elsewhere', { from: 'other' });
    await other.runtime.close();
    const revision = await revisionOf('wait');
    const second = await f.request('/threads/wait/send', { body: { text: 'second', expectedRevision: revision } });
    expect(second.status).toBe(202);
    const stale = await f.request('/threads/wait/send', { body: { text: 'third', expectedRevision: revision } });
    expect(stale.status).toBe(409);
    expect(stale.json['code']).toBe('WRONG_EXPECTED_VERSION');

    const after = f.server.context.runtime.commandCounts();
    expect(after.cached - before.cached).toBe(3);
    expect(after.live).toBe(before.live);
    expect(after.fresh).toBe(before.fresh);
    const texts: string[] = [];
    for await (const e of f.store.readStream('thread-wait')) if (e.type === 'InputReceived') texts.push((e.data as { text: string }).text);
    expect(texts.slice(-3)).toEqual(['first', 'from elsewhere', 'second']);
  });

  it('an unknown thread is 404 on either path', async () => {
    const r = await f.request('/threads/nope/send', { body: { text: 'x' } });
    expect(r.status).toBe(404);
    expect(r.json['code']).toBe('THREAD_NOT_FOUND');
  });

  it('the per-command baseline records the same command', async () => {
    const g = await startFixture({ commandRuntimes: 'per-command' });
    try {
      await g.request('/threads', { body: { threadId: 'base', plan: testPlan({ approval: true }) } });
      await waitFor('approval pending', async () => ((await g.request('/threads/base')).json['pendingApprovals'] as unknown[]).length > 0 || undefined);
      expect((await g.request('/threads/base/send', { body: { text: 'hello' } })).status).toBe(202);
      expect(g.server.context.runtime.commandCounts()).toMatchObject({ live: 0, cached: 0, fresh: 1 });
    } finally {
      await g.close();
    }
  });
});
