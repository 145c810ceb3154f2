/**
 * Facts → Stately inspection events. A thread's facts are folded through the machines (the same
 * pure transitions the runtime uses) and every actor a fact concerns is reported: `@xstate.actor`
 * when it is created (the thread at its first fact, an interaction at InteractionStarted, steps at
 * PlanAccepted; parents thread → interaction → step), then `@xstate.event` (the fact) and
 * `@xstate.snapshot` (value, context, status after it) for each actor whose snapshot changed.
 *
 * Each event is stamped with the fact's recorded time (`createdAt`) and carries the fact's
 * `revision` and `recordedAt` (ISO 8601) in its `event`, so the inspector's timeline is the thread's.
 * Session ids: `thread:<threadId>`, `interaction:<threadId>/<interactionId>`,
 * `step:<threadId>/<interactionId>/<planId>/<stepId>`.
 */
import type { AnyEventObject } from 'xstate';
import { isFactType, type Fact } from '../facts/fact-types.ts';
import { exportMachine } from '../runtime/machine-config.ts';
import { applyFact, defaultMachines, initialThreadState, type ThreadState } from '../history/fold/thread-state.ts';
import type { RecordedEvent } from '../store/event-store.ts';

/** A Stately inspection event (the shape `@statelyai/inspect` adapters send). */
export interface InspectionEvent {
  type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  id: string;
  sessionId: string;
  rootId: string;
  createdAt: string;
  _version: string;
  [key: string]: unknown;
}

/** Anything that takes inspection events: every `@statelyai/inspect` inspector (`createBrowserInspector`, `createWebSocketInspector`, `createInspector(adapter)`) has `adapter.send`. */
export interface InspectorLike {
  adapter: { send(event: never): void };
}

/** Feeds a thread's facts, in revision order, to an inspector. */
export interface InspectionReplay {
  /** Applies the next fact (revision `state.revision + 1`; other revisions and non-facts are skipped) and reports what it changed. */
  apply(e: Pick<RecordedEvent, 'type' | 'data' | 'revision' | 'metadata'>): void;
  /** The folded state so far. */
  readonly revision: bigint;
  /** Inspection events sent so far. */
  readonly sent: number;
}

const VERSION = '0.7.2';

let definitions: Record<'thread' | 'interaction' | 'step', string> | undefined;
/** The machines' configs as the inspector shows them (`definition` of `@xstate.actor`), computed once. */
const definitionOf = (kind: 'thread' | 'interaction' | 'step'): string => {
  definitions ??= {
    thread: JSON.stringify(exportMachine(defaultMachines.thread).config),
    interaction: JSON.stringify(exportMachine(defaultMachines.interaction).config),
    step: JSON.stringify(exportMachine(defaultMachines.step).config),
  };
  return definitions[kind];
};
const plain = (snap: { value: unknown; context: unknown; status: string }) => ({ value: snap.value, context: snap.context, status: snap.status });

/** Creates a replay of thread `threadId` into `send`. */
export function createInspectionReplay(send: (event: InspectionEvent) => void, threadId: string): InspectionReplay {
  let state: ThreadState = initialThreadState(threadId);
  let sent = 0;
  const rootId = `thread:${threadId}`;
  const parents = new Map<string, string | undefined>();
  const emit = (e: Omit<InspectionEvent, 'id' | 'rootId' | '_version'>): void => {
    send({ ...e, id: `${e.sessionId}#${sent}`, rootId, _version: VERSION } as InspectionEvent);
    sent++;
  };
  const report = (kind: 'thread' | 'interaction' | 'step', sessionId: string, name: string, parentId: string | undefined, before: object | undefined, after: { value: unknown; context: unknown; status: string }, event: AnyEventObject, createdAt: string): void => {
    if (before === undefined && !parents.has(sessionId)) {
      parents.set(sessionId, parentId);
      emit({ type: '@xstate.actor', sessionId, name, snapshot: plain(after), definition: definitionOf(kind), parentId, createdAt });
    } else if (before === after) return;
    emit({ type: '@xstate.event', sessionId, event, sourceId: parentId, createdAt });
    emit({ type: '@xstate.snapshot', sessionId, event, snapshot: plain(after), createdAt });
  };
  return {
    get revision() {
      return state.revision;
    },
    get sent() {
      return sent;
    },
    apply(e) {
      if (!isFactType(e.type) || e.revision !== state.revision + 1n) return;
      const fact = { type: e.type, data: e.data } as Fact;
      const at = e.metadata.recordedAt;
      const event = { type: fact.type, data: fact.data, revision: Number(e.revision), recordedAt: at };
      const createdAt = String(Date.parse(at)); // ms since epoch, as the inspector's own events
      const prev = state;
      state = applyFact(prev, fact, e.revision);
      report('thread', rootId, 'thread', undefined, prev.revision < 0n ? undefined : prev.thread, state.thread, event, createdAt);
      for (const [id, snap] of Object.entries(state.interactions)) {
        report('interaction', `interaction:${threadId}/${id}`, `interaction ${id}`, rootId, prev.interactions[id], snap, event, createdAt);
      }
      for (const [key, snap] of Object.entries(state.steps)) {
        const parent = `interaction:${threadId}/${key.split('/')[0]}`;
        report('step', `step:${threadId}/${key}`, `step ${key}`, parents.has(parent) ? parent : rootId, prev.steps[key], snap, event, createdAt);
      }
    },
  };
}
