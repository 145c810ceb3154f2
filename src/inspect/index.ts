/**
 * `orchestral/inspect`: a thread's timeline in the Stately inspector, from your own code.
 * `inspectThread(store, threadId, { inspector, toRevision })` replays a recorded thread;
 * `attachInspector(runtime, { inspector, threadId? })` follows threads live. `inspector` is any
 * `@statelyai/inspect` inspector; `connectWsInspector(url)` is a Node WebSocket one that connects
 * first and fails within 1 s when nothing listens.
 */
export { inspectThread, attachInspector } from './inspect-thread.ts';
export type { InspectThreadOptions, AttachInspectorOptions, AttachedInspector } from './inspect-thread.ts';
export { createInspectionReplay } from './inspection-events.ts';
export type { InspectionEvent, InspectionReplay, InspectorLike } from './inspection-events.ts';
export { connectWsInspector, InspectorConnectError } from './ws-inspector.ts';
export type { WsInspector } from './ws-inspector.ts';
