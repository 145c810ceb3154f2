/**
 * Waiting for the operator to stop a long-running command (`serve`, `worker`).
 */

/**
 * Resolves when the process receives SIGTERM or SIGINT (whichever comes first); both listeners are
 * removed then, so a second signal gets Node's default behaviour. Never rejects.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
