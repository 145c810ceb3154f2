/**
 * Bearer-token check: with a token configured, every API request must carry
 * `Authorization: Bearer <token>` (compared in constant time), else 401 `UNAUTHORIZED` with
 * `WWW-Authenticate: Bearer`. The console's static files are public (they hold no data and no
 * secret): the page asks for the token and sends it with its API requests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError, problemResponse } from './problem.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The middleware (a no-op without a token). `isPublic` names paths served without a token. */
export function bearerAuth(token: string | undefined, isPublic: (path: string) => boolean): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (expected === undefined || isPublic(c.req.path)) return next();
    const m = /^Bearer +(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (m && timingSafeEqual(digest(m[1]!), expected)) return next();
    const why = m ? 'wrong bearer token' : 'this server needs Authorization: Bearer <token>';
    return problemResponse(new ApiError(401, 'UNAUTHORIZED', why), c.req.path, { 'www-authenticate': 'Bearer' });
  };
}
