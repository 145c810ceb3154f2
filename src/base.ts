/**
 * `orchestral/base`: the smallest part of the package — the error classes, thread ids, store URLs
 * and opening a store by URL (each adapter is imported only when its scheme is opened; facts are
 * decoded by a codec that loads its schemas on first use), secret redaction and fault points.
 * Importing it loads none of zod, xstate, rxjs, openai or the runtime, so a tool that only opens a
 * store starts fast; the command line's `--help` path uses only this entry. Every name here is also
 * exported by the main entry (`orchestral`). Listing threads and leases is `orchestral/read`; the
 * fold is `orchestral/history`.
 */

// Event stores by URL
export { openEventStore, parseStoreUrl, DEFAULT_STORE_URL } from './store/open-event-store.ts';
export type { OpenEventStoreOptions, StoreLocation } from './store/open-event-store.ts';
export { lazyFactCodec } from './facts/lazy-fact-codec.ts';

// Thread ids, secrets, fault injection
export { ID_PATTERN } from './core/id-pattern.ts';
export { redactText, registerSecret } from './core/redact.ts';
export { FAULT_ENV, FAULT_POINTS, parseFaultSpec, FaultSpecError } from './core/fault-points.ts';
export type { FaultSpec } from './core/fault-points.ts';

// Errors (each a class with a `code`; `is…` guards work across package copies)
export { OrchestralError, isOrchestralError, hasErrorCode } from './errors/orchestral-error.ts';
export { ThreadNotFoundError, isThreadNotFoundError, ThreadExistsError, isThreadExistsError } from './runtime/command-errors.ts';
export {
  WrongExpectedVersionError,
  StreamNotFoundError,
  EventDecodeError,
  EventValidationError,
  EventTooLargeError,
  DuplicateEventIdError,
  StoreClosedError,
  StoreOpenError,
  StoreWriteError,
  InvalidReadOptionsError,
  EventIntegrityError,
  StoreCorruptError,
} from './store/errors.ts';
