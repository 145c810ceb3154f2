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
 * `machine.transition` returns the same snapshot object when no transition is enabled; the own keys
 * of a machine snapshot (`status`, `value`, `context`, `children`, `historyValue`, `tags`, `_nodes`,
 * `machine`, `output`, `error`, plus its methods); and the installed xstate version, pinned with a
 * tilde range in package.json.
 */
import { createActor, type ActorScope, type AnyStateMachine, type SnapshotFrom } from 'xstate';

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

/** Initial snapshot of `machine` created with `input` (pure; no effect runs). */
export function initialSnapshot<M extends AnyStateMachine>(machine: M, input: unknown): SnapshotFrom<M> {
  return machine.getInitialSnapshot(inertScope(machine) as never, input) as SnapshotFrom<M>;
}

/**
 * The snapshot after `event` (pure; no effect runs). Returns `snapshot` itself (same object) when
 * no transition is enabled for `event`; a snapshot with `status: 'error'` when a guard or action threw.
 */
export function nextSnapshot<M extends AnyStateMachine>(machine: M, snapshot: SnapshotFrom<M>, event: unknown): SnapshotFrom<M> {
  return machine.transition(snapshot as never, event as never, inertScope(machine) as never) as SnapshotFrom<M>;
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

/**
 * A snapshot like `template` (from `templateFor`) with this actor's context, output and error: its
 * own `tags` set and `children` object; `_nodes`, `value` and `historyValue` shared, as between
 * snapshots xstate derives from one another. Equal to what `restoreSnapshot` builds for a childless
 * snapshot whose context holds no actor reference.
 */
export function instantiate(template: Record<string, unknown>, context: unknown, output: unknown, error: unknown): unknown {
  return { ...template, output, error, context, tags: new Set(template.tags as Set<string>), children: {} };
}
