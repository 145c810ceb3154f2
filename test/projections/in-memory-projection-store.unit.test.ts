/** The in-memory projection store against the projection store contract (a reopen shares the rows map). */
import { createInMemoryProjectionStore, type InMemoryProjectionRows } from '../../src/projections/in-memory-projection-store.ts';
import { runProjectionStoreContract } from './projection-store-contract.ts';

runProjectionStoreContract('memory', async () => {
  const rows: InMemoryProjectionRows = new Map();
  return { open: () => createInMemoryProjectionStore(rows), dispose: async () => rows.clear() };
});
