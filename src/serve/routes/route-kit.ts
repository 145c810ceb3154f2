/** Shared pieces of the route declarations: problem responses and JSON bodies. */
import type { z } from '@hono/zod-openapi';
import { Problem } from '../schemas.ts';

/** A problem response entry of an OpenAPI route. */
export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });

/** The problem responses every thread route may give. */
export const threadProblems = {
  400: problem('malformed JSON or query (MALFORMED_JSON, BAD_REVISION)'),
  401: problem('missing or wrong bearer token (UNAUTHORIZED)'),
  404: problem('unknown thread (THREAD_NOT_FOUND)'),
  422: problem('invalid request (INVALID_REQUEST)'),
};

/** A JSON response entry. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });
