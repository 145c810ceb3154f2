/**
 * `LazyAbort`: an abort controller whose `AbortSignal` is made only when someone reads `signal`.
 * A step run needs a way to be cancelled, but most actions never look at their signal; an
 * AbortController makes its signal (an EventTarget) at construction, and waiting on it takes an
 * event listener. Here `aborted`, `reason` and `onAbort` work without a signal, and the signal,
 * once read, is an ordinary AbortSignal that follows this controller (aborted with the same reason,
 * at once when this one already is).
 */

/** An abort controller whose AbortSignal is made on first read (see the module doc). */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #listeners: Array<() => void> | undefined;

  /** Whether `abort` was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The reason given to the first `abort` (undefined before). */
  get reason(): unknown {
    return this.#reason;
  }

  /** The AbortSignal following this controller, made on the first read (already aborted when this one is). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /**
   * Aborts: the first call wins (later ones do nothing). `reason` defaults to a DOMException named
   * `AbortError`, as `AbortController.abort` does. Listeners registered with `onAbort` run in
   * registration order, then the signal (if made) is aborted; a listener that throws does not stop
   * the others (its error is reported on the next turn, as an uncaught error).
   */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) {
        try {
          listener();
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
    this.#controller?.abort(this.#reason);
  }

  /**
   * Calls `listener` once, when `abort` is first called (never when this is already aborted: check
   * `aborted` first). Returns a function that removes it (idempotent).
   */
  onAbort(listener: () => void): () => void {
    if (this.#aborted) return noop;
    (this.#listeners ??= []).push(listener);
    return () => {
      const list = this.#listeners;
      if (list === undefined) return;
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }
}

const noop = (): void => undefined;
