/**
 * A serial mailbox: messages posted from anywhere are handled one batch at a time, in post order.
 * A batch is everything queued when the handler starts, so messages that arrive together (e.g. the
 * results of steps that finish in the same tick) are decided together and appended in one write.
 * The handler is never re-entered; messages posted while it runs form the next batch.
 */

/** A serial mailbox of messages `M`. */
export interface Mailbox<M> {
  /** Queues `message`; handling starts on a microtask (so posts in the same tick share a batch). */
  post(message: M): void;
  /** Resolves when the mailbox is empty and no batch is being handled. */
  idle(): Promise<void>;
  /** Messages queued or being handled. */
  readonly size: number;
}

/**
 * Creates a mailbox whose batches go to `handle`. If `handle` rejects, the error goes to `onError`
 * (the batch is considered handled; `handle` should settle each message itself). `afterBatch` runs
 * after each batch, when `size` no longer counts it.
 */
export function createMailbox<M>(
  handle: (batch: M[]) => Promise<void>,
  onError: (error: unknown) => void,
  afterBatch: () => void = () => {},
): Mailbox<M> {
  const queue: M[] = [];
  let running = false;
  let inBatch = 0;
  let idleWaiters: Array<() => void> = [];

  const wakeIdle = (): void => {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const run = async (): Promise<void> => {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, queue.length);
        inBatch = batch.length;
        try {
          await handle(batch);
        } catch (error) {
          onError(error);
        }
        inBatch = 0;
        afterBatch();
      }
    } finally {
      running = false;
      wakeIdle();
    }
  };

  return {
    post(message) {
      queue.push(message);
      if (!running) {
        running = true;
        queueMicrotask(() => void run());
      }
    },
    idle() {
      if (!running && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    get size() {
      return queue.length + inBatch;
    },
  };
}
