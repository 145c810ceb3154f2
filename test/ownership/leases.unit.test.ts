/** The lease contract against the in-memory adapter (instances sharing one table). */
import { SimulatedClock } from '../../src/core/clock.ts';
import { createMemoryLeaseTable, getMemoryLeaseStore } from '../../src/ownership/memory-leases.ts';
import { runLeaseContract } from './lease-contract.ts';

runLeaseContract('memory', async () => {
  const table = createMemoryLeaseTable();
  const clock = new SimulatedClock();
  return { open: () => getMemoryLeaseStore({ table, clock }), clock, teardown: async () => undefined };
}, 'expiring');
