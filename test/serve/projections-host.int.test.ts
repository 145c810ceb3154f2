/**
 * The server's projections host on a SQLite store: it starts the four persisted projectors and
 * deletes the rows of retired projections (`tasks`, renamed `steps`), leaving every other row.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { openSqliteProjectionStore } from '../../src/projections/sqlite-projection-store.ts';
import { RETIRED_PROJECTIONS, startProjections } from '../../src/serve/projections-host.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { tempDir } from '../cli/helpers.ts';

it('deletes the rows of retired projections at start and keeps the others', async () => {
  const tmp = tempDir('orchestral-projections-host-');
  try {
    const path = join(tmp.dir, 'events.db');
    const store = getSqliteEventStore({ codec: factCodec, path, create: true });
    const before = openSqliteProjectionStore({ path });
    await before.save({ name: 'tasks', version: 1, position: 0n, state: { old: true } });
    await before.save({ name: 'mine', version: 1, position: 0n, state: { kept: true } });
    await before.close();

    const host = await startProjections(store, `sqlite:${path}`);
    await host.stop();
    await store.close();

    const after = openSqliteProjectionStore({ path, readOnly: true });
    expect(RETIRED_PROJECTIONS).toContain('tasks');
    expect(await after.load('tasks')).toBeUndefined();
    expect(await after.load('mine')).toMatchObject({ state: { kept: true } });
    await after.close();
  } finally {
    tmp.cleanup();
  }
});
