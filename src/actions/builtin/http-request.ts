/**
 * `http.request`: an HTTP(S) request with the global `fetch`, to allowlisted hosts only, with a
 * timeout and a response size cap. Redirects are followed by hand (at most 5) so every hop is
 * checked against the allowlist; `authorization`/`cookie` headers are dropped when a redirect
 * changes origin.
 */
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionAbortedError, ActionError, ActionInputError, ActionLimitError, ActionTimeoutError, HostNotAllowedError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import { hostAllowed } from './host-allowlist.ts';
import { readCapped } from './read-capped.ts';

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

/** Options of the `http.request` built-in (see `builtinActions({ http })`). */
export interface HttpRequestOptions {
  /** Allowed hosts: `example.com` (any port), `example.com:8080`, `*.example.com` (subdomains only). Default: none. */
  allowedHosts?: readonly string[];
  /** Default and largest timeout, ms (whole request including the body). Default 30 s. */
  timeoutMs?: number;
  /** Largest response body, bytes. Default 1 MiB. */
  maxResponseBytes?: number;
}

const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'invalid header name');

/**
 * Creates `http.request`. Input `{ url, method = 'GET', headers?, body? (string, or JSON sent as
 * application/json), responseType: 'text' | 'json' | 'base64' = 'text', timeoutMs?, maxResponseBytes?,
 * throwOnHttpError = true }`; output `{ status, statusText, url, headers, body, bytes }`.
 * Unsafe methods get an `Idempotency-Key` header (the step's key) unless one is given.
 * Errors: HostNotAllowedError (host not allowlisted, non-http(s) URL — also for redirect targets),
 * ActionInputError (body with GET/HEAD, JSON response that does not parse), ActionLimitError (body
 * over the cap), ActionTimeoutError, ActionAbortedError, ActionError `ACTION_FAILED` for network
 * errors (retryable) and, with `throwOnHttpError`, non-2xx statuses (retryable for 408, 429, 5xx).
 */
export function httpRequestAction(options: HttpRequestOptions = {}) {
  const allowed = options.allowedHosts ?? [];
  const maxTimeout = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return defineAction({
    name: 'http.request',
    description: `Sends an HTTP request to an allowed host (${allowed.join(', ') || 'none configured'}) and returns status, headers and body.`,
    input: z.strictObject({
      url: z.url({ protocol: /^https?$/ }),
      method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
      headers: z.record(HeaderName, z.string()).optional(),
      body: z.union([z.string(), z.json()]).optional(),
      responseType: z.enum(['text', 'json', 'base64']).default('text'),
      timeoutMs: z.number().int().positive().optional(),
      maxResponseBytes: z.number().int().positive().optional(),
      throwOnHttpError: z.boolean().default(true),
    }),
    output: z.object({
      status: z.number(),
      statusText: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      body: z.json(),
      bytes: z.number(),
    }),
    async run(input, ctx) {
      throwIfAborted('http.request', ctx.signal);
      if ((input.method === 'GET' || input.method === 'HEAD') && input.body !== undefined) {
        throw new ActionInputError('http.request', 'body', `a ${input.method} request cannot have a body`);
      }
      const headers = new Headers(input.headers ?? {});
      let body: string | undefined;
      if (typeof input.body === 'string') body = input.body;
      else if (input.body !== undefined) {
        body = JSON.stringify(input.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
      if (!['GET', 'HEAD', 'OPTIONS'].includes(input.method) && !headers.has('idempotency-key')) {
        headers.set('idempotency-key', ctx.idempotencyKey);
      }
      const timeoutMs = Math.min(maxTimeout, input.timeoutMs ?? maxTimeout);
      const limit = Math.min(maxBytes, input.maxResponseBytes ?? maxBytes);

      const controller = new AbortController();
      const onAbort = () => controller.abort(ctx.signal.reason);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('timeout'));
      }, timeoutMs);
      try {
        let url = input.url;
        let method: string = input.method;
        for (let hop = 0; ; hop++) {
          const verdict = hostAllowed(url, allowed);
          if (verdict !== true) throw new HostNotAllowedError('http.request', url, verdict);
          const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: controller.signal });
          const location = res.headers.get('location');
          if (res.status >= 300 && res.status < 400 && location !== null) {
            await res.body?.cancel();
            if (hop >= MAX_REDIRECTS) throw new ActionError(`http.request: more than ${MAX_REDIRECTS} redirects`, { retryable: false });
            const next = new URL(location, url);
            if (next.origin !== new URL(url).origin) {
              // Like fetch: credentials are not forwarded to another origin.
              for (const h of ['authorization', 'cookie', 'proxy-authorization']) headers.delete(h);
            }
            url = next.toString();
            if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
              method = method === 'HEAD' ? 'HEAD' : 'GET';
              body = undefined;
              headers.delete('content-type');
            }
            continue;
          }
          const declared = Number(res.headers.get('content-length') ?? NaN);
          if (declared > limit) {
            await res.body?.cancel();
            throw new ActionLimitError('http.request', limit, `response of ${declared} bytes is over the ${limit}-byte cap`);
          }
          const bytes = await readCapped(res, limit);
          const outHeaders: Record<string, string> = {};
          res.headers.forEach((v, k) => (outHeaders[k] = v));
          if (input.throwOnHttpError && (res.status < 200 || res.status > 299)) {
            const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
            const snippet = bytes.subarray(0, 200).toString('utf8');
            throw new ActionError(`http.request: ${method} ${url} returned ${res.status} ${res.statusText}: ${snippet}`, {
              retryable,
            });
          }
          return { status: res.status, statusText: res.statusText, url, headers: outHeaders, body: decode(bytes, input.responseType), bytes: bytes.length };
        }
      } catch (err) {
        if (ctx.signal.aborted) throw new ActionAbortedError('http.request', ctx.signal.reason);
        if (timedOut) throw new ActionTimeoutError('http.request', timeoutMs);
        if (err instanceof ActionError) throw err;
        throw new ActionError(`http.request: ${input.method} ${input.url} failed: ${describeFetchError(err)}`, { cause: err });
      } finally {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
      }
    },
  });
}

function decode(bytes: Buffer, type: 'text' | 'json' | 'base64'): z.core.util.JSONType {
  if (type === 'base64') return bytes.toString('base64');
  const text = bytes.toString('utf8');
  if (type === 'text') return text;
  try {
    return JSON.parse(text) as z.core.util.JSONType;
  } catch (err) {
    throw new ActionInputError('http.request', 'responseType', `response is not valid JSON: ${(err as Error).message}`);
  }
}

function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? String(err)} (${cause})` : (e.message ?? String(err));
}
