/**
 * `POST /threads/{id}/inspect`: the thread's facts up to `at` reach a WebSocket inspector on
 * loopback as Stately inspection events; no inspector is 502 INSPECTOR_CONNECT; a URL off
 * loopback is refused (422) before any connection.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, testPlan, waitFor, type ServeFixture } from './serve-fixture.ts';

/** The part of `ws` (a dependency of @statelyai/inspect, without bundled types) this test uses. */
interface WsServer {
  once(e: 'listening', fn: () => void): void;
  on(e: 'connection', fn: (socket: { on(e: 'message', fn: (m: Buffer) => void): void }) => void): void;
  address(): AddressInfo;
  close(): void;
}
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: new (o: { host: string; port: number }) => WsServer };

let f: ServeFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f.close();
});

describe('inspect', () => {
  it('sends the facts up to a revision to the inspector', async () => {
    await f.request('/threads', { body: { threadId: 'ins', plan: testPlan({ approval: true }) } });
    await waitFor('approval pending', async () => ((await f.request('/threads/ins')).json['pendingApprovals'] as unknown[]).length > 0 || undefined);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    const received: Array<{ type: string; sessionId?: string }> = [];
    wss.on('connection', (ws) => ws.on('message', (m) => received.push(JSON.parse(m.toString()) as { type: string })));
    try {
      const port = (wss.address() as AddressInfo).port;
      const r = await f.request('/threads/ins/inspect', { body: { at: 2, inspector: `ws://127.0.0.1:${port}` } });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ threadId: 'ins', revision: 2, facts: 3 });
      await waitFor('events received', () => (received.length >= (r.json['events'] as number) ? true : undefined), 5000);
      expect(received.length).toBe(r.json['events']);
      expect(received.some((e) => e.type === '@xstate.actor' && e.sessionId === 'thread:ins')).toBe(true);
    } finally {
      wss.close();
    }
  });

  it('no inspector listening is 502; an inspector off loopback is 422', async () => {
    await f.request('/threads', { body: { threadId: 'ins2', plan: testPlan() } });
    const down = await f.request('/threads/ins2/inspect', { body: { inspector: 'ws://127.0.0.1:1' } });
    expect([down.status, down.json['code']]).toEqual([502, 'INSPECTOR_CONNECT']);
    const far = await f.request('/threads/ins2/inspect', { body: { inspector: 'ws://example.com:8080' } });
    expect(far.status).toBe(422);
  });
});
