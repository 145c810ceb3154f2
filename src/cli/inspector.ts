/**
 * The Stately inspector (`@statelyai/inspect`) fed from facts: a thread's facts are folded through
 * the machines (src/runtime/thread-state.ts, the same pure transitions the runtime uses) and every
 * actor a fact concerns is reported — `@xstate.actor` when it is created (thread at the first fact,
 * an interaction at InteractionStarted, steps at PlanAccepted; parent: thread → interaction → step),
 * then `@xstate.event` (the fact) and `@xstate.snapshot` (its new value and context) for each actor
 * whose snapshot changed.
 *
 * Session ids: `thread:<threadId>`, `interaction:<threadId>/<interactionId>`,
 * `step:<threadId>/<interactionId>/<planId>/<stepId>`.
 *
 * Transports: a WebSocket inspector (`--inspect-url ws://…`: anything speaking the Stately
 * WebSocket protocol, e.g. `createWebSocketReceiver` behind a relay, or `@statelyai/inspect/server`),
 * or, by default, the browser inspector through a local bridge (`createInspectorServer`, which opens
 * https://stately.ai/inspect in the browser and relays the events to it).
 */
import { connect } from 'node:net';
import type { AnyStateMachine } from 'xstate';
import { createWebSocketInspector } from '@statelyai/inspect';
import { isFactType, type Fact } from '../facts/fact-types.ts';
import { OrchestralError } from '../errors/orchestral-error.ts';
import type { RecordedEvent } from '../store/event-store.ts';
import { applyFact, defaultMachines, initialThreadState, type ThreadState } from '../runtime/thread-state.ts';

/** The inspector could not be reached (no WebSocket connection within the timeout). Exit 1. */
export class InspectorConnectError extends OrchestralError {
  static readonly code = 'INSPECTOR_CONNECT';
  constructor(
    readonly url: string,
    timeoutMs: number,
  ) {
    super(InspectorConnectError.code, `inspector at ${url}: no WebSocket connection within ${timeoutMs} ms`);
  }
}

/** The part of an `Inspector` this module calls (see @statelyai/inspect's createInspector). */
export interface InspectorSink {
  actor(actor: unknown, snapshot?: unknown, info?: unknown): void;
  event(actor: unknown, event: { type: string }, info?: { source?: unknown }): void;
  snapshot(actor: unknown, snapshot: unknown, info?: { event?: { type: string } }): void;
}

interface FakeRef {
  sessionId: string;
  id: string;
  logic: AnyStateMachine;
  _parent?: FakeRef;
}

/** Feeds facts, in revision order, to an inspector. */
export interface InspectionReplay {
  /** Applies the next fact (revision `state.revision + 1`) and reports what it changed. */
  apply(e: Pick<RecordedEvent, 'type' | 'data' | 'revision'>): void;
  /** The folded state so far. */
  readonly state: ThreadState;
  /** Events sent so far. */
  readonly sent: number;
}

/** Creates a replay of thread `threadId` into `sink`. */
export function createInspectionReplay(sink: InspectorSink, threadId: string): InspectionReplay {
  let state = initialThreadState(threadId);
  let sent = 0;
  const refs = new Map<string, FakeRef>();
  const ref = (sessionId: string, id: string, logic: AnyStateMachine, parent?: FakeRef): FakeRef => {
    let r = refs.get(sessionId);
    if (!r) {
      r = { sessionId, id, logic, ...(parent ? { _parent: parent } : {}) };
      refs.set(sessionId, r);
    }
    return r;
  };
  const plain = (snap: { value: unknown; context: unknown; status: string }) => ({ value: snap.value, context: snap.context, status: snap.status });
  const report = (r: FakeRef, before: { value: unknown } | undefined, after: { value: unknown; context: unknown; status: string }, fact: Fact, created: boolean): void => {
    if (created) {
      sink.actor(r, plain(after));
      sent++;
    }
    if (before === after && !created) return;
    sink.event(r, fact, r._parent ? { source: r._parent } : {});
    sink.snapshot(r, plain(after), { event: fact });
    sent += 2;
  };
  const threadRef = ref(`thread:${threadId}`, 'thread', defaultMachines.thread);
  return {
    get state() {
      return state;
    },
    get sent() {
      return sent;
    },
    apply(e) {
      if (!isFactType(e.type)) return;
      const fact = { type: e.type, data: e.data } as Fact;
      const prev = state;
      state = applyFact(prev, fact, e.revision);
      report(threadRef, prev.thread, state.thread, fact, prev.revision < 0n);
      for (const [id, snap] of Object.entries(state.interactions)) {
        const before = prev.interactions[id];
        if (before === snap) continue;
        const r = ref(`interaction:${threadId}/${id}`, `interaction ${id}`, defaultMachines.interaction, threadRef);
        report(r, before, snap, fact, before === undefined);
      }
      for (const [key, snap] of Object.entries(state.steps)) {
        const before = prev.steps[key];
        if (before === snap) continue;
        const parent = refs.get(`interaction:${threadId}/${key.split('/')[0]}`) ?? threadRef;
        const r = ref(`step:${threadId}/${key}`, `step ${key}`, defaultMachines.step, parent);
        report(r, before, snap, fact, before === undefined);
      }
    },
  };
}

/** A connected WebSocket inspector. */
export interface WsInspector {
  sink: InspectorSink;
  /** Resolves once everything sent so far has left the socket. */
  flush(): Promise<void>;
  close(): void;
}

interface AdapterInternals {
  ws?: { readyState: number; bufferedAmount: number };
}

/**
 * Connects a WebSocket inspector to `url` and waits until the socket is open.
 * @throws InspectorConnectError when it does not open within `timeoutMs`.
 */
export async function connectWsInspector(url: string, timeoutMs = 5000): Promise<WsInspector> {
  const inspector = createWebSocketInspector({ url, maxDeferredEvents: 1_000_000 });
  const internals = (): AdapterInternals => inspector.adapter as unknown as AdapterInternals;
  const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  };
  if (!(await waitFor(() => internals().ws?.readyState === 1, timeoutMs))) {
    inspector.stop();
    throw new InspectorConnectError(url, timeoutMs);
  }
  return {
    sink: inspector as unknown as InspectorSink,
    async flush() {
      await waitFor(() => (internals().ws?.bufferedAmount ?? 0) === 0, timeoutMs);
    },
    close: () => inspector.stop(),
  };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (false after `timeoutMs`). */
async function listening(port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * A local bridge to the browser inspector (https://stately.ai/inspect), opened in the browser
 * (`@statelyai/inspect/server`: an HTTP page embedding the inspector plus a WebSocket relay).
 * @throws InspectorConnectError when the bridge does not listen on `port` within 3 s (port taken).
 */
export async function startBrowserBridge(port: number): Promise<{ url: string; stop(): void }> {
  const { createInspectorServer } = await import('@statelyai/inspect/server');
  const server = createInspectorServer({ port, autoOpen: true });
  const url = `ws://127.0.0.1:${port}`;
  if (!(await listening(port, 3000))) {
    server.stop();
    throw new InspectorConnectError(url, 3000);
  }
  return { url, stop: () => server.stop() };
}
