import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { createChangeSignals } from '../../src/store/postgres/change-signals.ts';
import type { Statements } from '../../src/store/postgres/statements.ts';

/** A pool client double: `query` resolves on the next turn; `endDuringListen` makes the connection end first. */
class FakeClient extends EventEmitter {
  released = false;
  queries: string[] = [];
  constructor(private readonly endDuringListen: boolean) {
    super();
  }
  async query(text: string): Promise<void> {
    this.queries.push(text);
    // the server ran LISTEN and answered, but the connection ended before the answer was read here
    if (this.endDuringListen) this.emit('end');
    await new Promise((resolve) => setImmediate(resolve));
  }
  release(): void {
    this.released = true;
  }
}

const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('postgres change signals: the LISTEN connection', () => {
  it('is opened again on the next poll when it ended while LISTEN was answered', async () => {
    const clients: FakeClient[] = [];
    const pool = {
      connect: async () => {
        const c = new FakeClient(clients.length === 0);
        clients.push(c);
        return c;
      },
    } as unknown as pg.Pool;
    const stmts = { lastPosition: async () => 0n } as unknown as Statements;
    const clock = new SimulatedClock();
    const signals = createChangeSignals({ pool, schema: 's', stmts, ready: async () => undefined, clock, pollIntervalMs: 100 });
    const sub = signals.signals.subscribe(() => undefined);
    await turns();
    expect(clients).toHaveLength(1);
    expect(clients[0]!.released).toBe(true); // dropped: never back to the pool as a LISTENing connection
    clock.increment(100); // the poll's tick re-opens the listener
    await turns();
    expect(clients).toHaveLength(2);
    expect(clients[1]!.queries).toEqual(['LISTEN orchestral_events']);
    expect(clients[1]!.released).toBe(false); // kept: it is the listener now
    clock.increment(100);
    await turns();
    expect(clients).toHaveLength(2); // not opened a third time while it lives
    sub.unsubscribe();
    signals.close();
    expect(clients[1]!.released).toBe(true);
  });
});
