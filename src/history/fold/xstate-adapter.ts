/**
 * The one place that depends on xstate internals: pure stepping of a machine through a reused inert
 * actor scope, and building snapshots from a per-state template. Everything else calls these.
 *
 * Why not xstate's public pure API (`initialTransition`, `transition`): it builds a throwaway actor
 * and actor system per call. It gives the same snapshots but costs ~58 µs per interaction transition
 * here against ~10 µs through the reused scope (same process, same snapshots/events; fold of the
 * basic-thread fixture), and the fold makes several transitions per fact.
 *
 * What this relies on (checked by test/history/xstate-adapter.unit.test.ts, which fails when an
 * xstate upgrade changes it): the fields of xstate's own inert scope (`createInertActorScope`); that
 * `machine.transition` returns the same snapshot object when no transition is enabled; how a state
 * node selects its transition (`next`: its `transitions` for the event type, wildcard descriptors
 * after, the first whose guard passes, a guard called with `{ context, event }`), which the quick
 * path reproduces from candidates resolved once per node and event type; the own keys
 * of a machine snapshot (`status`, `value`, `context`, `children`, `historyValue`, `tags`, `_nodes`,
 * `machine`, `output`, `error`, plus its methods); and the installed xstate version, pinned with a
 * tilde range in package.json.
 */
import { createActor, type ActorScope, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import { selectTransition, type StateNodeLike, type TransitionLike } from './xstate-adapter-select.ts';

const scopes = new WeakMap<AnyStateMachine, ActorScope<never, never>>();

/**
 * The reusable inert actor scope of `machine`: the fields of xstate's `createInertActorScope`, with
 * no-op effects (the action executor does nothing; the machines only `assign`). Created once per machine.
 */
export function inertScope(machine: AnyStateMachine): ActorScope<never, never> {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    const self = createActor(machine);
    scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: () => {},
    } as unknown as ActorScope<never, never>;
    scopes.set(machine, scope);
  }
  return scope;
}

/** How `initialSnapshot` builds a machine's initial snapshot without xstate's macrostep (see `simpleStart`). */
interface SimpleStart {
  template: Record<string, unknown>;
  context: (input: unknown) => unknown;
}

const simpleStarts = new WeakMap<AnyStateMachine, SimpleStart | null>();

/** A state node as far as `simpleStart` reads it (xstate's StateNode fields). */
interface NodeLike {
  entry?: unknown[];
  always?: unknown[];
  invoke?: unknown[];
}

/**
 * For a machine whose start runs nothing but its context factory — `config.context` a function, and
 * no entry action, eventless transition or invocation on any node of the initial configuration
 * (`first._nodes`, from a real `getInitialSnapshot`) — the initial snapshot is the template of the
 * initial state (`templateFor`) with the factory's context. `null` for any other machine.
 */
function simpleStart(machine: AnyStateMachine, first: Record<string, unknown>): SimpleStart | null {
  const factory = (machine.config as { context?: unknown }).context;
  if (typeof factory !== 'function' || first.status !== 'active') return null;
  if (Object.keys(first.children as object).length > 0) return null;
  for (const node of first._nodes as NodeLike[]) {
    if ((node.entry?.length ?? 0) > 0 || (node.always?.length ?? 0) > 0 || (node.invoke?.length ?? 0) > 0) return null;
  }
  const self = inertScope(machine).self;
  const spawn = (): never => {
    throw new Error('initialSnapshot: a context factory that spawns takes the slow path');
  };
  return {
    template: templateFor(machine, { status: 'active', value: first.value, historyValue: first.historyValue }),
    context: (input) => ({ ...(factory as (a: unknown) => object)({ input, self, spawn }) }),
  };
}

/**
 * Initial snapshot of `machine` created with `input` (pure; no effect runs). The first call per
 * machine runs xstate's `getInitialSnapshot`; later calls for a machine whose start only builds its
 * context (`simpleStart`: the step machine, created a thousand times by a large plan's PlanAccepted)
 * instantiate the initial state's template with the context factory's result — the same snapshot
 * (checked by test/history/xstate-adapter.unit.test.ts) at a fraction of the cost.
 */
export function initialSnapshot<M extends AnyStateMachine>(machine: M, input: unknown): SnapshotFrom<M> {
  const simple = simpleStarts.get(machine);
  if (simple !== undefined && simple !== null) {
    return instantiate(simple.template, simple.context(input), undefined, undefined) as SnapshotFrom<M>;
  }
  const snap = machine.getInitialSnapshot(inertScope(machine) as never, input) as SnapshotFrom<M>;
  if (simple === undefined) simpleStarts.set(machine, simpleStart(machine, snap as unknown as Record<string, unknown>));
  return snap;
}

/**
 * The snapshot after `event` (pure; no effect runs). Returns `snapshot` itself (same object) when
 * no transition is enabled for `event`; a snapshot with `status: 'error'` when a guard or action threw.
 * Most transitions of the fold take `quickNext` (the same snapshot, built without xstate's macrostep);
 * every other case, and any throw, goes through xstate's `machine.transition`.
 */
export function nextSnapshot<M extends AnyStateMachine>(machine: M, snapshot: SnapshotFrom<M>, event: unknown): SnapshotFrom<M> {
  const quick = quickNext(machine, snapshot as unknown as Snap, event as { type: string });
  if (quick !== undefined) return quick as unknown as SnapshotFrom<M>;
  return machine.transition(snapshot as never, event as never, inertScope(machine) as never) as SnapshotFrom<M>;
}

/** A machine snapshot as `quickNext` reads and builds it (xstate's `createMachineSnapshot` fields, in its order). */
interface Snap {
  status: string;
  output: unknown;
  error: unknown;
  machine: AnyStateMachine;
  context: Record<string, unknown>;
  _nodes: StateNodeLike[];
  value: unknown;
  tags: Set<string>;
  children: Record<string, unknown>;
  historyValue: Record<string, unknown>;
  matches: unknown;
  hasTag: unknown;
  can: unknown;
  getMeta: unknown;
  toJSON: unknown;
}

/** An assign action as xstate builds it (`assign()`: a function with `type` and `assignment`). */
interface AssignLike {
  type: string;
  assignment: unknown;
}

const hasKeys = (o: object): boolean => {
  for (const _ in o) return true;
  return false;
};

/** Nodes whose configuration `quickNext` may stay in or enter: nothing runs on entry/exit, no eventless transition, no invocation. */
const inert = (n: StateNodeLike): boolean => n.entry.length === 0 && n.exit.length === 0 && (n.always?.length ?? 0) === 0 && n.invoke.length === 0;
const inertNodes = new WeakMap<StateNodeLike, boolean>();
function isInert(n: StateNodeLike): boolean {
  let v = inertNodes.get(n);
  if (v === undefined) inertNodes.set(n, (v = inert(n) && n.type !== 'parallel' && n.type !== 'history'));
  return v;
}

/**
 * The configuration `quickNext` builds for a target leaf, shared by the snapshots in it: its nodes
 * (flat machine `[root, target]`, final `[target, root]`; one level down `[root, parent, target]`),
 * tags and state value (`'target'` or `{ parent: 'target' }`, never changed in place).
 */
const flatConfigs = new WeakMap<StateNodeLike, { nodes: StateNodeLike[]; tags: Set<string>; value: unknown }>();

/**
 * The context after `actions` (assign actions only, as xstate's `resolveAssign` computes it:
 * `Object.assign({}, context, partial)` per action, in order), or undefined when an action is not
 * an assign (a raise, a log, a custom action: xstate's own path handles those).
 */
function assignAll(machine: AnyStateMachine, snap: Snap, event: unknown, actions: readonly unknown[]): Record<string, unknown> | undefined {
  let context = snap.context;
  const scope = inertScope(machine) as unknown as { self: unknown; system: unknown };
  const impls = (machine.implementations as { actions: Record<string, unknown> }).actions;
  for (const action of actions) {
    let resolved: unknown;
    let params: unknown;
    if (typeof action === 'function') resolved = action;
    else if (typeof action === 'string') resolved = impls[action];
    else if (action !== null && typeof action === 'object' && typeof (action as { type?: unknown }).type === 'string') {
      const a = action as { type: string; params?: unknown };
      resolved = impls[a.type];
      params = typeof a.params === 'function' ? (a.params as (x: unknown) => unknown)({ context, event }) : a.params;
    }
    if (typeof resolved !== 'function' || (resolved as unknown as AssignLike).type !== 'xstate.assign') return undefined;
    const assignment = (resolved as unknown as AssignLike).assignment;
    const args = { context, event, spawn: noSpawn, self: scope.self, system: scope.system };
    let partial: Record<string, unknown>;
    if (typeof assignment === 'function') partial = (assignment as (a: unknown, p: unknown) => Record<string, unknown>)(args, params);
    else {
      partial = {};
      for (const key of Object.keys(assignment as object)) {
        const prop = (assignment as Record<string, unknown>)[key];
        partial[key] = typeof prop === 'function' ? (prop as (a: unknown, p: unknown) => unknown)(args, params) : prop;
      }
    }
    context = Object.assign({}, context, partial);
  }
  return context;
}

/** Thrown by `spawn` inside an assign on the quick path: xstate's own path then runs the transition. */
class QuickPathDeclined extends Error {}
const noSpawn = (): never => {
  throw new QuickPathDeclined('spawn');
};

/**
 * xstate's transition, for the common case, without its macrostep: the configuration is one chain
 * of inert nodes (no parallel or history node, nothing on entry/exit, no eventless transition, no
 * invocation, no child actor); the transition is selected as the nodes' own `next` selects it (the
 * leaf first, then its ancestors, as xstate's `transitionNode`; `selectTransition`); its actions
 * are assign actions; and it either
 * has no target and at least one action (the configuration stays), or, in a flat machine (root +
 * one leaf, no history value), targets an inert sibling leaf (a final one ends the machine: status
 * `done`, output undefined, for a root without `output`), or, one level down (root, parent, leaf: the
 * interaction machine's `live.*` states), is the leaf's own transition to an inert atomic sibling
 * (the parent stays; the history value is kept as it is). The snapshot built is xstate's
 * (`createMachineSnapshot` fields, same nodes, same context). `undefined`: take xstate's path
 * (anything else, or any throw, which xstate turns into an error snapshot).
 */
function quickNext(machine: AnyStateMachine, snap: Snap, event: { type: string }): Snap | undefined {
  if (snap.status !== 'active' || hasKeys(snap.children)) return undefined;
  const nodes = snap._nodes;
  const root = nodes[0];
  if (root === undefined || root !== (machine.root as unknown as StateNodeLike)) return undefined;
  for (let i = 0; i < nodes.length; i++) {
    if (!isInert(nodes[i]!) || (i > 0 && nodes[i]!.parent !== nodes[i - 1])) return undefined;
  }
  try {
    let t: TransitionLike | undefined;
    let pickedAt = nodes.length;
    while (pickedAt > 0 && t === undefined) t = selectTransition(machine, nodes[--pickedAt]!, snap, event);
    if (t === undefined) return snap;
    if (t.target === undefined || t.target.length === 0) {
      if (t.actions.length === 0) return undefined;
      const context = assignAll(machine, snap, event, t.actions);
      if (context === undefined) return undefined;
      // same configuration: the same nodes, value and tags (the Set is shared, see `instantiate`)
      return snapshotLike(snap, snap.status, context, snap._nodes, snap.value, snap.tags, snap.output, snap.error);
    }
    const target = t.target[0]!;
    if (t.target.length !== 1 || (target.type !== 'atomic' && target.type !== 'final') || !isInert(target)) return undefined;
    // Either a flat machine (root + one leaf, no history value) moving to a sibling leaf, or a leaf
    // one level down moving, by a transition of its own, to an atomic sibling under the same parent:
    // the transition's domain is the parent, which is neither exited nor entered, so no history
    // value is recorded (xstate records one only for a history child of a state it exits) and the
    // history value stays what it was. A transition of the parent or the root may exit the parent
    // (`reenter`, or a target inside its own source): xstate's path.
    const nested = nodes.length === 3 && pickedAt === 2 && target.type === 'atomic' && target.parent === nodes[1];
    if (!nested && (nodes.length !== 2 || target.parent !== root || hasKeys(snap.historyValue))) return undefined;
    const final = target.type === 'final';
    if (final && root.output !== undefined) return undefined;
    const context = t.actions.length === 0 ? snap.context : assignAll(machine, snap, event, t.actions);
    if (context === undefined) return undefined;
    let config = flatConfigs.get(target);
    if (config === undefined) {
      const parent = nodes[1]!;
      // xstate sorts the nodes of a configuration that ended the machine by descending order (in place)
      config = nested
        ? { nodes: [root, parent, target], tags: new Set([...root.tags, ...parent.tags, ...target.tags]), value: { [parent.key]: target.key } }
        : { nodes: final ? [target, root] : [root, target], tags: new Set([...root.tags, ...target.tags]), value: target.key };
      flatConfigs.set(target, config);
    }
    return snapshotLike(snap, final ? 'done' : 'active', context, config.nodes, config.value, config.tags, undefined, undefined);
  } catch {
    return undefined;
  }
}

/**
 * A snapshot of `snap`'s machine (`createMachineSnapshot` fields, in its order) with the given
 * fields, and `snap`'s children and history value: a literal of one shape, where a spread of `snap`
 * would copy whatever shape `snap` has.
 */
function snapshotLike(
  snap: Snap,
  status: string,
  context: Record<string, unknown>,
  nodes: StateNodeLike[],
  value: unknown,
  tags: Set<string>,
  output: unknown,
  error: unknown,
): Snap {
  return {
    status,
    output,
    error,
    machine: snap.machine,
    context,
    _nodes: nodes,
    value,
    tags,
    children: snap.children,
    historyValue: snap.historyValue,
    matches: snap.matches,
    hasTag: snap.hasTag,
    can: snap.can,
    getMeta: snap.getMeta,
    toJSON: snap.toJSON,
  };
}

/**
 * `machine.restoreSnapshot` of a persisted snapshot (xstate's `getPersistedSnapshot` shape).
 * Throws what xstate throws for a state value the machine does not have.
 */
export function restoreSnapshot<M extends AnyStateMachine>(machine: M, persisted: unknown): SnapshotFrom<M> {
  return machine.restoreSnapshot(persisted as never, inertScope(machine) as never) as SnapshotFrom<M>;
}

/** Restored snapshots with an empty context, by machine and `status|value|historyValue`. */
const templates = new WeakMap<AnyStateMachine, Map<string, Record<string, unknown>>>();

/**
 * The snapshot `machine.restoreSnapshot` builds for `{status, value, historyValue}` with an empty
 * context and no children, cached per machine and key (see `instantiate`).
 */
export function templateFor(machine: AnyStateMachine, p: { status: string; value: unknown; historyValue?: unknown }): Record<string, unknown> {
  let byKey = templates.get(machine);
  if (byKey === undefined) templates.set(machine, (byKey = new Map()));
  const key = `${p.status}|${JSON.stringify(p.value)}|${JSON.stringify(p.historyValue ?? {})}`;
  let t = byKey.get(key);
  if (t === undefined) {
    const bare = { status: p.status, value: p.value, historyValue: p.historyValue, context: {}, children: {}, output: undefined, error: undefined };
    t = restoreSnapshot(machine, bare) as unknown as Record<string, unknown>;
    byKey.set(key, t);
  }
  return t;
}

/** The `children` of every childless snapshot built here (frozen: xstate copies a snapshot's children before it changes them). */
const NO_CHILDREN: Record<string, never> = Object.freeze({});

/**
 * A snapshot like `template` (from `templateFor`) with this actor's context, output and error;
 * `_nodes`, `value`, `historyValue` and `tags` shared with the template, and `children` the one
 * frozen empty object. Equal to what `restoreSnapshot` builds for a childless snapshot whose context
 * holds no actor reference. Sharing is safe: xstate never changes a snapshot's `tags` or `children`
 * in place (a transition builds new ones), nor does the fold; and an idle thread's snapshots then cost
 * no Set and no object of their own beyond the snapshot and its context.
 */
export function instantiate(template: Record<string, unknown>, context: unknown, output: unknown, error: unknown): unknown {
  // A literal in `createMachineSnapshot`'s key order (the template's), not `{ ...template, … }`: a
  // spread copy keeps most of its 15 fields out of the object, in a property array of its own.
  return {
    status: template.status,
    output,
    error,
    machine: template.machine,
    context,
    _nodes: template._nodes,
    value: template.value,
    tags: template.tags,
    children: NO_CHILDREN,
    historyValue: template.historyValue,
    matches: template.matches,
    hasTag: template.hasTag,
    can: template.can,
    getMeta: template.getMeta,
    toJSON: template.toJSON,
  };
}
