/**
 * An incremental index of one plan's step statuses, so that a scheduling call costs what changed
 * since the previous one rather than a pass over every step: counts per status, the running steps
 * and the ready steps in start order. Statuses are the derived ones the views show
 * (`derivedStatus` of machines/step-lifecycle.ts: a pending step whose dependencies are done is
 * `ready`), kept by per-step counters of dependencies not yet completed: a step completing moves
 * its dependents' counters, O(dependents).
 *
 * It is a cache, not a second source of truth: the runtime's views keep one per plan and update it
 * with the tasks the fold changed (`setStepStatus`), and the scheduler uses it only through the
 * fast path in `scheduler.ts`, which decides exactly what the full passes over the view decide
 * (checked by test/executor/plan-index.unit.test.ts). A view without an index is scanned.
 */
import type { StepSpec } from '../plan/plan-schema.ts';
import { derivedStatus, type StepStatus } from '../../machines/step-lifecycle.ts';
import { anyJoinCandidates, dependencyIds } from '../plan/dependencies.ts';

/** The index of one plan. Mutable: owned by whoever keeps it in step with a state (see module doc). */
export interface PlanIndex {
  readonly steps: readonly StepSpec[];
  /** Status by plan position, as the views show it (derived: see the module doc). */
  readonly status: StepStatus[];
  /** Lifecycle status (the step machine's state) by plan position. */
  readonly lifecycle: StepStatus[];
  /** Steps per status. */
  readonly counts: Record<StepStatus, number>;
  /** Positions of running steps. */
  readonly running: Set<number>;
  /** Positions of ready steps (a heap by priority desc, then position; may hold stale entries). */
  readonly readyHeap: number[];
  /** Positions of ready steps waiting for a retry backoff (`readyAtMs` set). */
  readonly delayed: Set<number>;
  /** Per position: dependencies (distinct) not completed yet; for an any-join 1 − completed candidates. */
  readonly remaining: number[];
  /** Per position: positions of the steps that depend on it. */
  readonly dependents: number[][];
  /** Some step pauses after it completes (`interruptAfter`): the pause layer needs a full pass. */
  readonly anyInterruptAfter: boolean;
  /** Some step is an any-join (`dependsOn: { any }`): the settle layer needs a full pass. */
  readonly anyJoin: boolean;
}

const ZERO_COUNTS = (): Record<StepStatus, number> => ({ pending: 0, ready: 0, waiting_approval: 0, running: 0, completed: 0, failed: 0, cancelled: 0 });

/**
 * A fresh index of `steps`, every task `pending` (shown `ready` when it has no dependency);
 * undefined when the plan is not one the index can follow (a repeated step id or a dependency on an
 * unknown step: the scheduler's full passes report those).
 */
export function createPlanIndex(steps: readonly StepSpec[]): PlanIndex | undefined {
  const position = new Map<string, number>();
  for (let i = 0; i < steps.length; i++) {
    if (position.has(steps[i]!.id)) return undefined;
    position.set(steps[i]!.id, i);
  }
  const dependents: number[][] = steps.map(() => []);
  const remaining: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const deps = new Set(dependencyIds(steps[i]!.dependsOn));
    for (const d of deps) {
      const at = position.get(d);
      if (at === undefined) return undefined;
      dependents[at]!.push(i);
    }
    // an any-join needs one completed candidate: `remaining` drops below 0 when more complete
    const needed = anyJoinCandidates(steps[i]!.dependsOn) ? Math.min(1, deps.size) : deps.size;
    remaining.push(needed);
  }
  const counts = ZERO_COUNTS();
  counts.pending = steps.length;
  const index: PlanIndex = {
    steps,
    status: steps.map(() => 'pending'),
    lifecycle: steps.map(() => 'pending'),
    counts,
    running: new Set(),
    readyHeap: [],
    delayed: new Set(),
    remaining,
    dependents,
    anyInterruptAfter: steps.some((s) => s.interruptAfter === true),
    anyJoin: steps.some((s) => anyJoinCandidates(s.dependsOn) !== undefined),
  };
  for (let i = 0; i < steps.length; i++) if (remaining[i] === 0) show(index, i);
  return index;
}

/**
 * Records that the task at position `i` is now `status` (its lifecycle status: the step machine's
 * state); `delayed`: it is ready with a retry backoff (`readyAtMs` set).
 */
export function setStepStatus(index: PlanIndex, i: number, status: StepStatus, delayed = false): void {
  if (status === 'ready' && delayed) index.delayed.add(i);
  else index.delayed.delete(i);
  index.lifecycle[i] = status;
  show(index, i);
}

/** Brings the shown status of position `i` in step with its lifecycle and counter, then its dependents' when it (un)completes. */
function show(index: PlanIndex, i: number): void {
  const status = derivedStatus(index.lifecycle[i]!, index.remaining[i]! <= 0);
  const before = index.status[i]!;
  if (before === status) return;
  index.status[i] = status;
  index.counts[before] -= 1;
  index.counts[status] += 1;
  if (before === 'running') index.running.delete(i);
  if (status === 'running') index.running.add(i);
  if (status === 'ready') heapPush(index, i);
  if (status === 'completed' || before === 'completed') {
    const delta = status === 'completed' ? -1 : 1;
    for (const j of index.dependents[i]!) {
      index.remaining[j]! += delta;
      show(index, j);
    }
  }
}

/** Ready positions in start order (priority desc, then plan order), at most `limit` of them. */
export function readyInStartOrder(index: PlanIndex, limit: number): number[] {
  const out: number[] = [];
  const heap = index.readyHeap;
  while (out.length < limit && heap.length > 0) {
    const top = heapPop(index);
    if (index.status[top] !== 'ready' || out.includes(top)) continue; // stale or repeated entry
    out.push(top);
  }
  for (const i of out) heapPush(index, i);
  return out;
}

const before = (index: PlanIndex, a: number, b: number): boolean => {
  const pa = index.steps[a]!.priority;
  const pb = index.steps[b]!.priority;
  return pa !== pb ? pa > pb : a < b;
};

function heapPush(index: PlanIndex, i: number): void {
  const h = index.readyHeap;
  h.push(i);
  let c = h.length - 1;
  while (c > 0) {
    const p = (c - 1) >> 1;
    if (!before(index, h[c]!, h[p]!)) break;
    [h[c], h[p]] = [h[p]!, h[c]!];
    c = p;
  }
}

function heapPop(index: PlanIndex): number {
  const h = index.readyHeap;
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < h.length && before(index, h[l]!, h[m]!)) m = l;
      if (r < h.length && before(index, h[r]!, h[m]!)) m = r;
      if (m === p) break;
      [h[m], h[p]] = [h[p]!, h[m]!];
      p = m;
    }
  }
  return top;
}
