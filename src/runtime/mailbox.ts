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
  return new SerialMailbox(handle, onError, afterBatch);
}

/**
 * The mailbox as a class: one per thread held in memory, so its methods and `size` getter live on
 * the prototype (an object literal with a getter gets a hidden class of its own per instance).
 */
class SerialMailbox<M> implements Mailbox<M> {
  private readonly queue: M[] = [];
  private running = false;
  private inBatch = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly handle: (batch: M[]) => Promise<void>;
  private readonly onError: (error: unknown) => void;
  private readonly afterBatch: () => void;

  constructor(handle: (batch: M[]) => Promise<void>, onError: (error: unknown) => void, afterBatch: () => void) {
    this.handle = handle;
    this.onError = onError;
    this.afterBatch = afterBatch;
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.queue.length);
        this.inBatch = batch.length;
        try {
          await this.handle(batch);
        } catch (error) {
          this.onError(error);
        }
        this.inBatch = 0;
        this.afterBatch();
      }
    } finally {
      this.running = false;
      this.wakeIdle();
    }
  }

  post(message: M): void {
    this.queue.push(message);
    if (!this.running) {
      this.running = true;
      queueMicrotask(() => void this.run());
    }
  }

  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get size(): number {
    return this.queue.length + this.inBatch;
  }
}
