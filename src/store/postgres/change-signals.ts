/**
 * "Something may have been committed" signals for the PostgreSQL adapter's catch-up subscriptions.
 *
 * Three sources, merged into one Subject per store instance:
 * 1. this instance's own commits (`notify()` after each commit) — immediate;
 * 2. LISTEN/NOTIFY (https://www.postgresql.org/docs/current/sql-notify.html): every append
 *    transaction runs `pg_notify('orchestral_events', <schema>)`, delivered to listeners when it
 *    commits, from any process; one dedicated connection per store instance LISTENs, and only
 *    notifications whose payload is this store's schema count;
 * 3. a slow poll of `max(position)` every `pollIntervalMs` on the store's clock, the safety net
 *    for notifications lost while the listening connection was down (it is re-opened on the next
 *    tick). Its timer is unref'd (never keeps the process alive).
 * The listener and the poll start with the first subscription; the poll runs only while at least
 * one subscription is open. A failing poll or a dropped listener also emits a signal: the
 * subscriptions' next read then either succeeds (nothing lost) or fails and reports the error.
 */
import { Observable, Subject } from '../../core/rxjs.ts';
import type pg from 'pg';
import type { Clock } from '../../core/clock.ts';
import { NOTIFY_CHANNEL } from './schema.ts';
import type { Statements } from './statements.ts';

/** Signals of one store instance. */
export interface ChangeSignals {
  /** Emits on every (possible) commit; completes on `close()`. Subscribing starts the listener and the poll. */
  readonly signals: Observable<void>;
  /** Announces a commit of this instance to its own subscriptions. */
  notify(): void;
  /** Stops the poll, drops the listening connection and completes `signals`. Idempotent. */
  close(): void;
}

/** Options of `createChangeSignals`. */
export interface ChangeSignalsOptions {
  pool: pg.Pool;
  schema: string;
  stmts: Statements;
  /** Waits until the schema is migrated (the poll reads the events table). */
  ready(): Promise<void>;
  clock: Clock;
  /** Poll period, ms (finite, > 0). */
  pollIntervalMs: number;
}

/** Builds the signals of one store instance (see the module docstring). */
export function createChangeSignals(options: ChangeSignalsOptions): ChangeSignals {
  const { pool, schema, clock, pollIntervalMs } = options;
  if (!(pollIntervalMs > 0) || !Number.isFinite(pollIntervalMs)) {
    throw new RangeError(`postgres store (schema '${schema}'): pollIntervalMs must be a finite number > 0, got ${String(pollIntervalMs)}`);
  }
  const subject = new Subject<void>();
  let subscribers = 0;
  let timer: unknown;
  let closed = false;
  let lastSeen: bigint | undefined;
  let listener: pg.PoolClient | undefined;
  let connecting = false;

  const signal = (): void => {
    if (!closed) subject.next();
  };

  const dropped = new WeakSet<pg.PoolClient>();
  const dropListener = (client: pg.PoolClient, err?: Error): void => {
    if (listener === client) listener = undefined;
    if (dropped.has(client)) return;
    dropped.add(client);
    client.removeAllListeners('notification');
    client.release(err ?? true); // destroy: never hand a LISTENing connection back to the pool
  };

  const listen = (): void => {
    if (listener !== undefined || connecting || closed) return;
    connecting = true;
    void (async () => {
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        const c = client;
        c.on('notification', (msg) => {
          if (msg.channel === NOTIFY_CHANNEL && msg.payload === schema) signal();
        });
        const lost = (err?: Error): void => {
          if (dropped.has(c)) return;
          dropListener(c, err ?? new Error('LISTEN connection ended'));
          signal();
        };
        c.on('error', lost);
        c.on('end', () => lost());
        await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
        if (closed) return dropListener(c);
        // the connection may have ended after the server ran LISTEN and before its answer was read
        // here: `lost` then already dropped it, and keeping it would stop every later re-open
        if (dropped.has(c)) return;
        listener = c;
        signal(); // commits made before LISTEN took effect
      } catch {
        if (client !== undefined) dropListener(client);
        signal(); // the poll retries; a read will report a server that is really gone
      } finally {
        connecting = false;
      }
    })();
  };

  const tick = (): void => {
    timer = undefined;
    if (closed || subscribers === 0) return;
    listen();
    void (async () => {
      try {
        await options.ready();
        const position = await options.stmts.lastPosition(pool);
        if (position !== lastSeen) {
          lastSeen = position;
          signal();
        }
      } catch {
        signal();
      }
      schedule();
    })();
  };
  const schedule = (): void => {
    if (timer !== undefined || closed || subscribers === 0) return;
    timer = clock.setTimeout(tick, pollIntervalMs);
    (timer as { unref?: () => void } | undefined)?.unref?.();
  };

  const signals = new Observable<void>((subscriber) => {
    const sub = subject.subscribe(subscriber);
    subscribers++;
    listen();
    schedule();
    return () => {
      sub.unsubscribe();
      subscribers--;
      if (subscribers === 0 && timer !== undefined) {
        clock.clearTimeout(timer);
        timer = undefined;
      }
    };
  });

  return {
    signals,
    notify: signal,
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      if (listener !== undefined) dropListener(listener);
      subject.complete();
    },
  };
}
