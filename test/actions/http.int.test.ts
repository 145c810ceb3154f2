import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { httpRequestAction } from '../../src/actions/builtin/http-request.ts';
import { hostAllowed } from '../../src/actions/builtin/host-allowlist.ts';
import {
  isActionAbortedError,
  isActionError,
  isActionInputError,
  isActionLimitError,
  isActionTimeoutError,
  isHostNotAllowedError,
  isRetryableError,
} from '../../src/actions/errors.ts';
import { failure, makeCtx, runAction } from './helpers.ts';

let server: http.Server;
let base: string;
let port: number;
const hung: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      switch (url.pathname) {
        case '/echo':
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
          return;
        case '/text':
          res.end('plain text');
          return;
        case '/status':
          res.statusCode = Number(url.searchParams.get('code'));
          res.end('status body');
          return;
        case '/redirect':
          res.statusCode = 302;
          res.setHeader('location', url.searchParams.get('to') ?? '/text');
          res.end();
          return;
        case '/big-declared':
          res.setHeader('content-length', '5000');
          res.end('y'.repeat(5000));
          return;
        case '/big-chunked':
          res.write('z'.repeat(800));
          res.write('z'.repeat(800));
          res.end();
          return;
        case '/not-json':
          res.end('{oops');
          return;
        case '/hang':
          hung.push(res); // never answers
          return;
        default:
          res.statusCode = 404;
          res.end('no such path');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const r of hung) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const act = (opts: Parameters<typeof httpRequestAction>[0] = {}) =>
  httpRequestAction({ allowedHosts: [`127.0.0.1:${port}`], maxResponseBytes: 1000, timeoutMs: 5000, ...opts }) as unknown as Action;
const ctx = (signal?: AbortSignal) => makeCtx('/', signal);

describe('hostAllowed', () => {
  it('matches host, host:port, *.suffix and IPv6', () => {
    expect(hostAllowed('https://api.example.com/x', ['api.example.com'])).toBe(true);
    expect(hostAllowed('https://API.Example.com:8443/x', ['api.example.com:8443'])).toBe(true);
    expect(hostAllowed('https://api.example.com/x', ['api.example.com:8443'])).toMatch(/not in the allowlist/);
    expect(hostAllowed('https://a.b.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('https://example.com', ['*.example.com'])).toMatch(/not in the allowlist/);
    expect(hostAllowed('https://badexample.com', ['*.example.com'])).toMatch(/not in the allowlist/);
    expect(hostAllowed('https://example.com.evil.io', ['example.com'])).toMatch(/not in the allowlist/);
    expect(hostAllowed('http://[::1]:8080/', ['[::1]:8080'])).toBe(true);
    expect(hostAllowed('http://x.com', [])).toMatch(/allowlist is empty/);
    expect(hostAllowed('ftp://x.com', ['x.com'])).toMatch(/protocol 'ftp:'/);
    expect(hostAllowed('http://u:p@x.com', ['x.com'])).toMatch(/credentials/);
  });
});

describe('http.request', () => {
  it('GETs text from an allowlisted local server', async () => {
    const out = (await runAction(act(), { url: `${base}/text` }, ctx())) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 200, body: 'plain text', bytes: 10, url: `${base}/text` });
    expect((out.headers as Record<string, string>)['content-length']).toBe('10');
  });

  it('POSTs a JSON body with content-type, custom headers and the idempotency key; parses a JSON response', async () => {
    const out = (await runAction(
      act(),
      { url: `${base}/echo`, method: 'POST', headers: { 'x-trace': 'abc' }, body: { a: [1, 2] }, responseType: 'json' },
      ctx(),
    )) as { body: { method: string; headers: Record<string, string>; body: string } };
    expect(out.body.method).toBe('POST');
    expect(JSON.parse(out.body.body)).toEqual({ a: [1, 2] });
    expect(out.body.headers['content-type']).toBe('application/json');
    expect(out.body.headers['x-trace']).toBe('abc');
    expect(out.body.headers['idempotency-key']).toBe('t1/i1/p1/s1/1');
  });

  it('refuses every request when the allowlist is empty (the default)', async () => {
    const err = await failure(runAction(httpRequestAction() as unknown as Action, { url: `${base}/text` }, ctx()));
    expect(isHostNotAllowedError(err)).toBe(true);
    expect(isRetryableError(err)).toBe(false);
    expect(err.message).toMatch(/allowlist is empty/);
  });

  it('refuses a host or port not on the allowlist', async () => {
    const err = await failure(runAction(act({ allowedHosts: ['127.0.0.1:1'] }), { url: `${base}/text` }, ctx()));
    expect(isHostNotAllowedError(err)).toBe(true);
    expect(err.message).toContain(`'127.0.0.1:${port}' is not in the allowlist`);
  });

  it('follows redirects inside the allowlist and refuses one that leaves it', async () => {
    const ok = (await runAction(act(), { url: `${base}/redirect?to=/text` }, ctx())) as { body: string; url: string };
    expect(ok).toMatchObject({ body: 'plain text', url: `${base}/text` });
    const err = await failure(runAction(act(), { url: `${base}/redirect?to=http://localhost:${port}/text` }, ctx()));
    expect(isHostNotAllowedError(err)).toBe(true);
    expect(err.message).toContain(`'http://localhost:${port}/text' refused`);
  });

  it('drops credentials on a redirect to another origin, keeps them on the same origin', async () => {
    const other = `http://localhost:${port}`;
    const a = act({ allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`] });
    const headers = { authorization: 'Bearer s3cret', 'x-keep': 'yes' };
    const cross = (await runAction(a, { url: `${base}/redirect?to=${other}/echo`, headers, responseType: 'json' }, ctx())) as { body: { headers: Record<string, string> } };
    expect(cross.body.headers.authorization).toBeUndefined();
    expect(cross.body.headers['x-keep']).toBe('yes');
    const same = (await runAction(a, { url: `${base}/redirect?to=/echo`, headers, responseType: 'json' }, ctx())) as { body: { headers: Record<string, string> } };
    expect(same.body.headers.authorization).toBe('Bearer s3cret');
  });

  it('caps the response size (declared length and streamed chunks)', async () => {
    const a = await failure(runAction(act(), { url: `${base}/big-declared` }, ctx()));
    expect(isActionLimitError(a)).toBe(true);
    expect(a.message).toMatch(/5000 bytes is over the 1000-byte cap/);
    const b = await failure(runAction(act(), { url: `${base}/big-chunked` }, ctx()));
    expect(isActionLimitError(b)).toBe(true);
    const c = await failure(runAction(act(), { url: `${base}/text`, maxResponseBytes: 5 }, ctx()));
    expect(isActionLimitError(c)).toBe(true);
  });

  it('times out with ACTION_TIMEOUT (retryable)', async () => {
    const err = await failure(runAction(act(), { url: `${base}/hang`, timeoutMs: 150 }, ctx()));
    expect(isActionTimeoutError(err)).toBe(true);
    expect(isRetryableError(err)).toBe(true);
    expect(err.message).toBe('http.request: timed out after 150 ms');
  });

  it('stops with ACTION_ABORTED when the step is cancelled', async () => {
    const ac = new AbortController();
    const p = runAction(act(), { url: `${base}/hang` }, ctx(ac.signal));
    setTimeout(() => ac.abort(new Error('cancel')), 50);
    expect(isActionAbortedError(await failure(p))).toBe(true);
  });

  it('non-2xx statuses throw (5xx/429 retryable, 4xx not) unless throwOnHttpError is false', async () => {
    const e500 = await failure(runAction(act(), { url: `${base}/status?code=503` }, ctx()));
    expect(isActionError(e500) && isRetryableError(e500)).toBe(true);
    expect(e500.message).toMatch(/returned 503 .*status body/);
    expect(isRetryableError(await failure(runAction(act(), { url: `${base}/status?code=429` }, ctx())))).toBe(true);
    expect(isRetryableError(await failure(runAction(act(), { url: `${base}/nope` }, ctx())))).toBe(false);
    const out = await runAction(act(), { url: `${base}/nope`, throwOnHttpError: false }, ctx());
    expect(out).toMatchObject({ status: 404, body: 'no such path' });
  });

  it('a connection failure is a retryable ACTION_FAILED', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const p = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await failure(runAction(act({ allowedHosts: [`127.0.0.1:${p}`] }), { url: `http://127.0.0.1:${p}/` }, ctx()));
    expect((err as { code?: string }).code).toBe('ACTION_FAILED');
    expect(isRetryableError(err)).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it.each([
    [{ url: 'not a url' }, /input.url/],
    [{ url: 'ftp://127.0.0.1/x' }, /input.url/],
    [{ url: 'file:///etc/passwd' }, /input.url/],
    [{ url: 'http://127.0.0.1/', method: 'TRACE' }, /input.method/],
    [{ url: 'http://127.0.0.1/', headers: { 'bad header': 'x' } }, /input.headers/],
    [{ url: 'http://127.0.0.1/', timeoutMs: 0 }, /input.timeoutMs/],
    [{ url: 'http://127.0.0.1/', body: 'x' }, /a GET request cannot have a body/],
  ])('refuses bad input %j', async (input, why) => {
    const err = await failure(runAction(act(), input, ctx()));
    expect(isActionInputError(err)).toBe(true);
    expect(err.message).toMatch(why);
  });

  it('a JSON response that does not parse is a clear non-retryable error', async () => {
    const err = await failure(runAction(act(), { url: `${base}/not-json`, responseType: 'json' }, ctx()));
    expect(err.message).toMatch(/response is not valid JSON/);
    expect(isRetryableError(err)).toBe(false);
  });
});
