/**
 * The HTTP API over real HTTP on loopback: every endpoint, and refused requests (malformed JSON,
 * unknown thread, invalid plan, wrong token, oversized body) answering the right status and problem
 * `code` with the store unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, stepStatus, testPlan, waitFor, type ServeFixture } from './serve-fixture.ts';

let f: ServeFixture;
beforeAll(async () => {
  f = await startFixture({ maxBodyBytes: 64 * 1024 });
});
afterAll(async () => f?.close());

const completed = (id: string) => waitFor(`thread ${id} idle`, async () => {
  const r = await f.request(`/threads/${id}`);
  return (r.json['thread'] as { status?: string } | null)?.status === 'idle' && r.json['interactions'] ? r.json : undefined;
});

/** Expects a problem document with `status` and `code`, and the store unchanged by the request. */
async function refused(req: Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>, status: number, code: string, before: string[]): Promise<Record<string, unknown>> {
  const r = await req;
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json['code']).toBe(code);
  expect(r.json['status']).toBe(status);
  expect(await f.eventIds()).toEqual(before);
  return r.json;
}

describe('threads', () => {
  it('opens a posted JSON plan, runs it to completion, lists and shows it', async () => {
    const opened = await f.request('/threads', { body: { threadId: 'json-1', plan: testPlan() } });
    expect(opened.status).toBe(201);
    expect(opened.json).toMatchObject({ threadId: 'json-1', decision: 'start', interactionId: 'i1' });
    const show = await completed('json-1');
    expect(stepStatus(show, 'a')).toBe('completed');
    expect(stepStatus(show, 'b')).toBe('completed');
    const list = await f.request('/threads?limit=10');
    expect((list.json['threads'] as { threadId: string }[]).map((t) => t.threadId)).toContain('json-1');
    const events = await f.request('/threads/json-1/events?from=0&limit=3');
    expect((events.json['events'] as { type: string }[]).map((e) => e.type)[0]).toBe('ThreadOpened');
    expect(events.json['next']).toBe(3);
    const at2 = await f.request('/threads/json-1?at=2');
    expect(at2.json['revision']).toBe(2);
  });

  it('opens a YAML plan body', async () => {
    const yaml = 'title: from yaml\nsteps:\n  - id: a\n    action: echo\n    input: { v: 1 }\n';
    const r = await f.request('/threads', { raw: yaml, headers: { 'content-type': 'application/yaml' } });
    expect(r.status).toBe(201);
    await completed(r.json['threadId'] as string);
  });

  it('pages the thread list with a cursor and filters by status', async () => {
    for (const id of ['page-1', 'page-2', 'page-3']) await f.request('/threads', { body: { threadId: id, plan: testPlan() } });
    for (const id of ['page-1', 'page-2', 'page-3']) await completed(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await f.request(`/threads?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(r.json['threads'] as { threadId: string }[]).map((t) => t.threadId));
      cursor = r.json['nextCursor'] as string | null;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['page-1', 'page-2', 'page-3', 'json-1']));
    const closed = await f.request('/threads?status=closed');
    expect(closed.json['threads']).toEqual([]);
  });

  it('approve over HTTP continues a paused run to completion; reject cancels the step', async () => {
    await f.request('/threads', { body: { threadId: 'appr', plan: testPlan({ approval: true }) } });
    const paused = await waitFor('approval pending', async () => {
      const r = await f.request('/threads/appr');
      return (r.json['pendingApprovals'] as unknown[]).length > 0 ? r.json : undefined;
    });
    const pending = (paused['pendingApprovals'] as { stepId: string; action?: string; input?: unknown }[])[0]!;
    expect(pending).toMatchObject({ stepId: 'b', action: 'echo', input: { v: 2 } });
    const ok = await f.request('/threads/appr/approve', { body: { step: 'b', reason: 'fine' } });
    expect(ok.status).toBe(202);
    const done = await completed('appr');
    expect(stepStatus(done, 'b')).toBe('completed');

    await f.request('/threads', { body: { threadId: 'rej', plan: testPlan({ approval: true }) } });
    await waitFor('approval pending', async () => ((await f.request('/threads/rej')).json['pendingApprovals'] as unknown[]).length > 0 || undefined);
    expect((await f.request('/threads/rej/reject', { body: { step: 'b', reason: 'no' } })).status).toBe(202);
    const after = await completed('rej');
    expect(stepStatus(after, 'b')).toBe('cancelled');
  });

  it('send, interrupt, resume, cancel and fork', async () => {
    await f.request('/threads', { body: { threadId: 'cmd', plan: testPlan({ sleepMs: 3000 }) } });
    await waitFor('sleep running', async () => (stepStatus((await f.request('/threads/cmd')).json, 'wait') === 'running' ? true : undefined));
    const sent = await f.request('/threads/cmd/send', { body: { text: 'and also' } });
    expect(sent.status).toBe(202);
    expect(sent.json['decision']).toBe('enqueue');
    expect((await f.request('/threads/cmd/interrupt', { body: { interactionId: 'i1' } })).status).toBe(202);
    expect((await f.request('/threads/cmd/resume', { body: {} })).status).toBe(202);
    const cancelled = await f.request('/threads/cmd/cancel', { body: { interactionId: 'i1', reason: 'enough' } });
    expect(cancelled.status).toBe(202);
    expect(cancelled.json['cancelled']).toEqual(['i1']);
    const fork = await f.request('/threads/json-1/fork', { body: { at: 3, id: 'json-1-fork' } });
    expect(fork.status).toBe(201);
    expect(fork.json).toMatchObject({ threadId: 'json-1-fork', revision: 4 });
    const forkShow = await f.request('/threads/json-1-fork');
    expect((forkShow.json['thread'] as { forkedFrom: unknown }).forkedFrom).toEqual({ threadId: 'json-1', revision: 3 });
  });

  it('a policy rejection and a wrong expected revision are 409', async () => {
    // the plan waits for an approval, so its interaction stays live however slow the machine is
    await f.request('/threads', { body: { threadId: 'strict', plan: testPlan({ approval: true }), policy: { kind: 'reject' } } });
    const r = await f.request('/threads/strict/send', { body: { text: 'too soon' } });
    expect(r.status).toBe(409);
    expect(r.json['code']).toBe('POLICY_REJECTED');
    // the store is compared whole: let the strict thread reach its approval (nothing appends after it)
    await waitFor('strict waiting for approval', async () => {
      const show = (await f.request('/threads/strict')).json;
      return stepStatus(show, 'b') === 'waiting_approval' ? true : undefined;
    });
    const before = await f.eventIds();
    await refused(f.request('/threads/json-1/send', { body: { text: 'x', expectedRevision: 1 } }), 409, 'WRONG_EXPECTED_VERSION', before);
  });
});

describe('refusals leave the store unchanged', () => {
  it('malformed JSON is 400 MALFORMED_JSON', async () => {
    const before = await f.eventIds();
    await refused(f.request('/threads/json-1/send', { raw: '{"text": ', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON', before);
    await refused(f.request('/threads', { raw: '{nope', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON', before);
  });

  it('an unknown thread is 404 THREAD_NOT_FOUND on every thread route', async () => {
    const before = await f.eventIds();
    await refused(f.request('/threads/nobody'), 404, 'THREAD_NOT_FOUND', before);
    await refused(f.request('/threads/nobody/events'), 404, 'THREAD_NOT_FOUND', before);
    await refused(f.request('/threads/nobody/stream'), 404, 'THREAD_NOT_FOUND', before);
    for (const [verb, body] of [['send', { text: 'x' }], ['approve', { step: 'b' }], ['reject', { step: 'b' }], ['cancel', {}], ['interrupt', {}], ['resume', {}], ['fork', { at: 0 }]] as const) {
      await refused(f.request(`/threads/nobody/${verb}`, { body }), 404, 'THREAD_NOT_FOUND', before);
    }
  });

  it('an invalid plan is 422 PLAN_INVALID with the field path', async () => {
    const before = await f.eventIds();
    const unknownAction = await refused(f.request('/threads', { body: { plan: { steps: [{ id: 'a', action: 'no.such' }] } } }), 422, 'PLAN_INVALID', before);
    expect(unknownAction['field']).toBe('steps[0].action');
    const badKey = await refused(f.request('/threads', { body: { plan: { steps: [{ id: 'a', action: 'echo', requireApproval: true }] } } }), 422, 'PLAN_INVALID', before);
    expect(badKey['detail']).toMatch(/requiresApproval/);
    const cycle = await refused(f.request('/threads', { body: { plan: { steps: [{ id: 'a', action: 'echo', dependsOn: ['b'] }, { id: 'b', action: 'echo', dependsOn: ['a'] }] } } }), 422, 'PLAN_INVALID', before);
    expect(cycle['field']).toMatch(/^steps\[\d\]\.dependsOn/);
    const modules = await refused(f.request('/threads', { body: { plan: { actions: './evil.ts', steps: [{ id: 'a', action: 'echo' }] } } }), 422, 'PLAN_INVALID', before);
    expect(modules['field']).toBe('actions');
    const yaml = await refused(f.request('/threads', { raw: 'steps:\n  - id: a\n    action: [\n', headers: { 'content-type': 'application/yaml' } }), 422, 'PLAN_INVALID', before);
    expect(yaml['detail']).toMatch(/plan\.yaml:\d+:\d+/);
  });

  it('invalid request fields are 422 INVALID_REQUEST naming the field; bad revisions 400', async () => {
    const before = await f.eventIds();
    const r = await refused(f.request('/threads/json-1/send', { body: { text: 42 } }), 422, 'INVALID_REQUEST', before);
    expect(r['field']).toBe('text');
    await refused(f.request('/threads/json-1/approve', { body: { step: 'b', extra: 1 } }), 422, 'INVALID_REQUEST', before);
    await refused(f.request('/threads/bad%20id'), 422, 'INVALID_REQUEST', before);
    await refused(f.request('/threads/json-1?at=99999'), 400, 'BAD_REVISION', before);
    await refused(f.request('/threads/json-1/fork', { body: { at: 99999 } }), 400, 'BAD_REVISION', before);
    await refused(f.request('/threads/json-1/approve', { body: { step: 'zzz' } }), 404, 'UNKNOWN_APPROVAL', before);
    await refused(f.request('/threads', { body: { threadId: 'json-1', plan: testPlan() } }), 409, 'THREAD_EXISTS', before);
    await refused(f.request('/no/such/route'), 404, 'NOT_FOUND', before);
  });

  it('an oversized body is 413 BODY_TOO_LARGE', async () => {
    const before = await f.eventIds();
    await refused(f.request('/threads/json-1/send', { body: { text: 'x'.repeat(100 * 1024) } }), 413, 'BODY_TOO_LARGE', before);
  });
});

describe('service endpoints', () => {
  it('healthz reports the projections; openapi.json documents every route', async () => {
    const h = await f.request('/healthz');
    expect(h.json['ok']).toBe(true);
    const doc = await f.request('/openapi.json');
    const paths = Object.keys(doc.json['paths'] as object);
    for (const p of ['/threads', '/threads/{id}', '/threads/{id}/events', '/threads/{id}/send', '/threads/{id}/approve', '/threads/{id}/reject', '/threads/{id}/cancel', '/threads/{id}/interrupt', '/threads/{id}/resume', '/threads/{id}/fork', '/threads/{id}/stream', '/stream', '/healthz']) {
      expect(paths).toContain(p);
    }
  });

  it('answers with no CORS headers, and no secret from the environment', async () => {
    const r = await fetch(`${f.url}/threads`, { headers: { origin: 'http://evil.example' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const key = process.env['OPENAI_API_KEY'];
    if (key) expect(await r.text()).not.toContain(key);
  });

  it('the projections resume from their stored checkpoint after a restart', async () => {
    const position = (await f.request('/healthz')).json['projections'] as Record<string, { position: number }>;
    await f.restart();
    const start = f.server.context.projections.threads.start;
    expect(start).toBe('resumed');
    const list = await f.request('/threads?limit=500');
    expect((list.json['threads'] as unknown[]).length).toBeGreaterThan(5);
    expect(f.server.context.projections.threads.position()).toBeGreaterThanOrEqual(BigInt(position['threads']!.position));
  });
});

describe('auth and binding', () => {
  it('with a token, requests without or with a wrong bearer are 401 UNAUTHORIZED; the console page is public', async () => {
    const g = await startFixture({ token: 's3cret-token' });
    try {
      const before = await g.eventIds();
      const none = await g.request('/threads', { body: { plan: testPlan() } });
      expect(none.status).toBe(401);
      expect(none.json['code']).toBe('UNAUTHORIZED');
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await g.request('/healthz', { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect(await g.eventIds()).toEqual(before);
      expect((await g.request('/healthz', { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
      expect((await fetch(`${g.url}/`)).status).toBe(200);
    } finally {
      await g.close();
    }
  });

  it('binding beyond loopback without a token is refused', async () => {
    await expect(startFixture({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'SERVE_TOKEN_REQUIRED' });
  });

  it('--cors allows exactly that origin', async () => {
    const g = await startFixture({ corsOrigin: 'http://localhost:5173' });
    try {
      const r = await fetch(`${g.url}/threads`, { headers: { origin: 'http://localhost:5173' } });
      expect(r.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    } finally {
      await g.close();
    }
  });
});
