/**
 * What the serve tests on PostgreSQL share: a store URL on a fresh schema of the local server, and
 * threads opened by appending their `ThreadOpened` fact straight to the store.
 */
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../src/store/event-store.ts';
import { PG_URL, schemaName } from '../store/fixtures/pg-helpers.ts';

/** A fresh schema name (nothing created) and the store URL naming it (`?schema=`). */
export function freshPgStoreUrl(): { schema: string; storeUrl: string } {
  const schema = schemaName();
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return { schema, storeUrl: url.toString() };
}

/** Opens each thread (`ThreadOpened`, title `t <id>`); returns the last fact's position. */
export async function openThreads(store: EventStore, ids: readonly string[]): Promise<bigint> {
  let last = -1n;
  for (const threadId of ids) {
    ({ position: last } = await store.appendToStream(`thread-${threadId}`, [
      { id: randomUUID(), type: 'ThreadOpened', data: { threadId, policy: { kind: 'enqueue' }, maxIterations: 8, title: `t ${threadId}` } },
    ]));
  }
  return last;
}
