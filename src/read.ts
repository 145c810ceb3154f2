/**
 * `orchestral/read`: reading a store without the engine — the threads listing (the `threads`
 * projection, caught up in memory or in a persisted projection store), projection stores by URL,
 * and the lease store (who owns which thread). Importing it loads none of zod, xstate, rxjs, openai
 * or the runtime; `orchestral threads` uses only this entry and `orchestral/base`. Every name here is
 * also exported by the main entry (`orchestral`). The fold and the per-thread read models
 * (costs, DAG, steps) are `orchestral/history`.
 */

// The threads listing
export { threadsProjection, threadListing, threadListings } from '../projections/threads.ts';
export type { ThreadListing, ThreadsState, PendingApprovalRef } from '../projections/threads.ts';

// Projection stores
export { createInMemoryProjectionStore } from './projections/in-memory-projection-store.ts';
export { openProjectionStore } from './projections/open-projection-store.ts';
export type { ProjectionStore, StoredProjection } from './projections/projection-store.ts';
export { catchUpPersisted } from './projections/catch-up-persisted.ts';
export type { CaughtUpProjection } from './projections/catch-up-persisted.ts';
export type { Projection } from './projections/projection.ts';
export { ProjectionError, ProjectionStoreError, isProjectionStoreError } from './projections/projection-errors.ts';

// Ownership (leases)
export { openLeaseStore } from './ownership/open-leases.ts';
export type { LeaseStore, LeaseHolder, LeaseRecord, HolderIdentity } from './ownership/lease.ts';
