/**
 * Base of every error Orchestral throws on purpose: a stable machine-readable `code`
 * (SCREAMING_SNAKE_CASE) plus a message that names what was wrong and where.
 */
export class OrchestralError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` is an OrchestralError (any code). */
export function isOrchestralError(err: unknown): err is OrchestralError {
  return err instanceof OrchestralError;
}

/** True when `err` carries the given `code` (works across module copies, unlike instanceof). */
export function hasErrorCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
