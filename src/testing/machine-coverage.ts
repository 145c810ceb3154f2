/**
 * Transition coverage of a state machine: every transition its config declares (`on` of every state
 * node), and which of them a set of event sequences reaches. The reachable snapshots are explored
 * with `@xstate/graph` (`getAdjacencyMap`: every snapshot reached from the initial one by the events
 * you give, up to `limit` snapshots); a transition counts as covered when some explored snapshot
 * takes it on some event (`machine.getTransitionData`, the transitions xstate would run, guards
 * evaluated). Assert `missing` is empty to know every transition of your machine is reached.
 */
import { getAdjacencyMap } from '@xstate/graph';
import type { AnyEventObject, AnyStateMachine, AnyStateNode } from 'xstate';

/** One declared transition: `<source state id> --<event>--> <targets>` (the index tells guarded alternatives apart). */
export interface TransitionRef {
  /** `source.id` `event` `#index`, e.g. `task.running REQUESTED #0`. */
  key: string;
  source: string;
  event: string;
  index: number;
  targets: string[];
  guard?: string;
}

/** Result of `machineCoverage`. */
export interface MachineCoverage {
  transitions: TransitionRef[];
  covered: TransitionRef[];
  missing: TransitionRef[];
  /** Distinct snapshots explored. */
  snapshots: number;
}

/** Options of `machineCoverage`. */
export interface MachineCoverageOptions<E extends AnyEventObject> {
  /** Events to try in every snapshot (or a function of the snapshot). */
  events: readonly E[] | ((snapshot: unknown) => readonly E[]);
  /** Input of the machine, when it takes one. */
  input?: unknown;
  /** Largest number of snapshots explored (default 5000). */
  limit?: number;
  /** Identity of a snapshot for the exploration (default: value + context as JSON). */
  serializeState?: (snapshot: { value: unknown; context: unknown }) => string;
}

const guardName = (g: unknown): string | undefined =>
  typeof g === 'string' ? g : typeof g === 'object' && g !== null && 'type' in g ? String((g as { type: unknown }).type) : typeof g === 'function' ? g.name || 'inline' : undefined;

/** Every transition declared under `on` by the state nodes of `machine`. */
export function declaredTransitions(machine: AnyStateMachine): TransitionRef[] {
  const out: TransitionRef[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const [event, list] of node.transitions) {
      list.forEach((t, index) => {
        const guard = guardName(t.guard);
        out.push({ key: `${node.id} ${event} #${index}`, source: node.id, event, index, targets: (t.target ?? []).map((n) => n.id), ...(guard ? { guard } : {}) });
      });
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return out;
}

/** Explores `machine` with `options.events` and reports which declared transitions were taken. */
export function machineCoverage<E extends AnyEventObject>(machine: AnyStateMachine, options: MachineCoverageOptions<E>): MachineCoverage {
  const transitions = declaredTransitions(machine);
  const byDefinition = new Map<unknown, TransitionRef>();
  const visit = (node: AnyStateNode): void => {
    for (const [event, list] of node.transitions) list.forEach((t, index) => byDefinition.set(t, transitions.find((r) => r.key === `${node.id} ${event} #${index}`)!));
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  const events = options.events;
  const serialize = options.serializeState ?? ((s: { value: unknown; context: unknown }) => JSON.stringify({ value: s.value, context: s.context }));
  const traversal = {
    events: typeof events === 'function' ? (s: unknown) => [...events(s)] : [...events],
    limit: options.limit ?? 5000,
    ...(options.input !== undefined ? { input: options.input } : {}),
    serializeState: (s: unknown) => serialize(s as { value: unknown; context: unknown }),
  };
  // The traversal options' generic types follow the machine's; this module works on any machine.
  const explore = getAdjacencyMap as unknown as (m: AnyStateMachine, o: typeof traversal) => Record<string, { state: unknown; transitions: Record<string, { event: unknown }> }>;
  const adjacency = explore(machine, traversal);
  const covered = new Set<TransitionRef>();
  const entries = Object.values(adjacency);
  for (const { state, transitions: outgoing } of entries) {
    for (const { event } of Object.values(outgoing)) {
      for (const t of machine.getTransitionData(state as never, event as never)) {
        const ref = byDefinition.get(t);
        if (ref) covered.add(ref);
      }
    }
  }
  return { transitions, covered: transitions.filter((t) => covered.has(t)), missing: transitions.filter((t) => !covered.has(t)), snapshots: entries.length };
}
