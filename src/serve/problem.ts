/**
 * RFC 9457 problem details (`application/problem+json`) for every error the API answers with.
 * Each problem carries our stable error `code` (the `code` of the OrchestralError behind it, or one
 * of the API's own: `MALFORMED_JSON`, `INVALID_REQUEST`, `UNAUTHORIZED`, `BODY_TOO_LARGE`,
 * `NOT_FOUND`, `POLICY_REJECTED`, `INTERNAL`) and a `detail` with secrets redacted. No stack trace
 * and no cause chain is ever sent.
 */
import { OrchestralError } from '../errors/orchestral-error.ts';
import { redactText } from '../core/redact.ts';

/** The media type of problem documents. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** A problem document (RFC 9457) with our extension members. */
export interface Problem {
  /** `urn:orchestral:problem:<code>`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Our error code (SCREAMING_SNAKE_CASE). */
  code: string;
  /** The request path. */
  instance?: string;
  /** For invalid plans and request bodies: the path of the first bad field (`steps[1].action`). */
  field?: string;
  /** Every issue found, as `path: message` lines. */
  issues?: string[];
  [extension: string]: unknown;
}

/** An error the API answers with a given status (the routes throw it; `toProblem` renders it). */
export class ApiError extends OrchestralError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly extra: { field?: string; issues?: string[] } = {},
  ) {
    super(code, message);
  }
}

/** HTTP status of our error codes; anything else is 500. */
const STATUS_OF_CODE: Record<string, number> = {
  THREAD_NOT_FOUND: 404,
  STREAM_NOT_FOUND: 404,
  UNKNOWN_APPROVAL: 404,
  UNKNOWN_INTERACTION: 404,
  THREAD_EXISTS: 409,
  THREAD_CLOSED: 409,
  AMBIGUOUS_APPROVAL: 409,
  INTERACTION_STATE: 409,
  NOTHING_TO_DO: 409,
  BUDGET_EXTENSION: 409,
  WRONG_EXPECTED_VERSION: 409,
  WRITE_CONTENTION: 409,
  POLICY_REJECTED: 409,
  UNKNOWN_POLICY: 422,
  PLAN_INVALID: 422,
  PLAN_FILE: 422,
  UNKNOWN_ACTION: 422,
  PLANNER_CONFIG: 422,
  FACT_TOO_LARGE: 413,
  EVENT_TOO_LARGE: 413,
  BAD_REVISION: 400,
  AS_OF_INVALID: 400,
  USAGE: 400,
  INSPECTOR_CONNECT: 502,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/** The status an error is answered with (ApiError: its own; OrchestralError: by code; else 500). */
export function statusOf(err: unknown): number {
  if (err instanceof ApiError) return err.status;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (STATUS_OF_CODE[code] ?? 500) : 500;
}

/**
 * The problem document of `err` for a request to `instance`. A 500 says only that the server failed
 * (its code is `INTERNAL` unless the error has one), never the message of an unexpected error.
 */
export function toProblem(err: unknown, instance?: string): Problem {
  const status = statusOf(err);
  const rawCode = (err as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' && /^[A-Z][A-Z0-9_]*$/.test(rawCode) ? rawCode : 'INTERNAL';
  const known = err instanceof OrchestralError;
  const detail = known ? redactText((err as Error).message) : 'the server failed to answer this request';
  const problem: Problem = {
    type: `urn:orchestral:problem:${code.toLowerCase()}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(instance !== undefined ? { instance } : {}),
  };
  const e = err as { extra?: { field?: string; issues?: string[] }; field?: unknown; issues?: unknown };
  const field = err instanceof ApiError ? e.extra?.field : typeof e.field === 'string' ? e.field : undefined;
  const issues = err instanceof ApiError ? e.extra?.issues : Array.isArray(e.issues) ? e.issues.map((i) => (typeof i === 'string' ? i : issueText(i))) : undefined;
  if (field !== undefined) problem.field = field;
  if (issues !== undefined && issues.length > 0) problem.issues = issues.map((i) => redactText(i));
  return problem;
}

function issueText(i: unknown): string {
  const o = i as { field?: unknown; message?: unknown };
  return `${typeof o.field === 'string' ? o.field : ''}: ${typeof o.message === 'string' ? o.message : JSON.stringify(i)}`;
}

/** A Response holding the problem of `err`. */
export function problemResponse(err: unknown, instance?: string, headers: Record<string, string> = {}): Response {
  const problem = toProblem(err, instance);
  return new Response(JSON.stringify(problem), { status: problem.status, headers: { 'content-type': PROBLEM_MEDIA_TYPE, ...headers } });
}
