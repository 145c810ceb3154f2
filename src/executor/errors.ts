/** Errors the executor throws on programming mistakes (never for step failures, which become facts). */
import { OrchestralError } from '../errors/orchestral-error.ts';

/**
 * A caller passed the executor something it cannot work with: a step id the plan does not have, a
 * non-integer time, an attempt number below 1. Code `EXECUTOR_ARGUMENT`; the message names the
 * argument, the value and (when known) the plan and step.
 */
export class ExecutorArgumentError extends OrchestralError {
  constructor(message: string) {
    super('EXECUTOR_ARGUMENT', message);
  }
}

/** True when `err` is an ExecutorArgumentError (by code, so it works across module copies). */
export function isExecutorArgumentError(err: unknown): err is ExecutorArgumentError {
  return err instanceof OrchestralError && err.code === 'EXECUTOR_ARGUMENT';
}
