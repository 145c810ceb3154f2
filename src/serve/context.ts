/** What the routes share: the store, the live projections, the SSE hub and the runtime host. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { LeaseStore } from '../ownership/lease.ts';
import type { EventStore } from '../store/event-store.ts';
import type { FactHub } from './fact-hub.ts';
import type { ProjectionsHost } from './projections-host.ts';
import type { RuntimeHost } from './runtime-host.ts';

/** The server's parts, handed to each route module. */
export interface ServeContext {
  store: EventStore;
  storeUrl: string;
  leases: LeaseStore;
  projections: ProjectionsHost;
  hub: FactHub;
  runtime: RuntimeHost;
  /** Most messages an SSE client may have waiting before it is disconnected (it resumes with Last-Event-ID). */
  sseMaxQueued: number;
}

/** The app type every route module registers on. */
export type ServeApp = OpenAPIHono;
