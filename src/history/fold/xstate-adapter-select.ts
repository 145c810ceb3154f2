/**
 * How the fold's quick transition path (`quickNext` in xstate-adapter.ts) selects a state node's
 * transition: as xstate's `StateNode.next` does, from candidates resolved once per node and event
 * type. Part of the code that depends on xstate internals (see xstate-adapter.ts).
 */
import type { AnyStateMachine } from 'xstate';

/** A state node as `quickNext` reads it (fields of xstate's StateNode). */
export interface StateNodeLike {
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  key: string;
  parent?: StateNodeLike;
  tags: string[];
  entry: unknown[];
  exit: unknown[];
  always?: unknown[];
  invoke: unknown[];
  output?: unknown;
  /** The node's transitions by event descriptor (an event type, or a wildcard: `*`, `x.*`). */
  transitions: Map<string, TransitionLike[]>;
  next(snapshot: unknown, event: unknown): TransitionLike[] | undefined;
}

/** A transition definition as `quickNext` reads it. */
export interface TransitionLike {
  target?: readonly StateNodeLike[];
  actions: readonly unknown[];
  reenter?: boolean;
  guard?: unknown;
}

/**
 * The candidate transitions of a node for an event type, when `selectTransition` can choose among
 * them itself: the node has no wildcard descriptor (so the candidates are its transitions for that
 * exact type, in order) and each candidate's guard is absent, an inline function or the name of a
 * plain guard implementation. `null`: xstate's `node.next` chooses.
 */
type Candidates = ReadonlyArray<{ t: TransitionLike; guard: ((args: unknown, params: unknown) => unknown) | undefined }> | null;

/** Candidates by node and event type (see `Candidates`); a machine's nodes and implementations never change. */
const candidatesByNode = new WeakMap<StateNodeLike, Map<string, Candidates>>();
const NO_TRANSITIONS: Candidates = [];

function candidatesOf(machine: AnyStateMachine, node: StateNodeLike, type: string): Candidates {
  let byType = candidatesByNode.get(node);
  if (byType === undefined) candidatesByNode.set(node, (byType = new Map()));
  let c = byType.get(type);
  if (c === undefined) {
    c = resolveCandidates(machine, node, type);
    byType.set(type, c);
  }
  return c;
}

function resolveCandidates(machine: AnyStateMachine, node: StateNodeLike, type: string): Candidates {
  for (const descriptor of node.transitions.keys()) if (descriptor === '*' || descriptor.endsWith('.*')) return null;
  const exact = node.transitions.get(type);
  if (exact === undefined || exact.length === 0) return NO_TRANSITIONS;
  const guards = (machine.implementations as { guards: Record<string, unknown> }).guards;
  const out: Array<{ t: TransitionLike; guard: ((args: unknown, params: unknown) => unknown) | undefined }> = [];
  for (const t of exact) {
    const g = t.guard;
    const impl = typeof g === 'string' ? guards[g] : g;
    // a guard object (params), a built-in guard (and/or/not, stateIn), a name without implementation
    if ((g !== undefined && impl === undefined) || (impl !== undefined && (typeof impl !== 'function' || 'check' in impl))) return null;
    out.push({ t, guard: impl as ((args: unknown, params: unknown) => unknown) | undefined });
  }
  return out;
}

/**
 * The transition `node` takes on `event` in `snap`, as xstate's `node.next` selects it (the first
 * candidate whose guard passes, guards called with `{ context, event }` and no params), or
 * undefined for none; from candidates resolved once per node and event type instead of per call.
 * A guard that throws propagates (the caller then takes xstate's path, which reports it).
 */
export function selectTransition(machine: AnyStateMachine, node: StateNodeLike, snap: { context: unknown }, event: { type: string }): TransitionLike | undefined {
  const candidates = candidatesOf(machine, node, event.type);
  if (candidates === null) return node.next(snap, event)?.[0];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c.guard === undefined || c.guard({ context: snap.context, event }, undefined)) return c.t;
  }
  return undefined;
}
