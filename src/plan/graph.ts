/**
 * Graph helpers over a plan's steps (`dependsOn` edges: a step points at the steps it waits for).
 * All are pure and deterministic (ties broken by plan order). Inputs must have unique ids and
 * dependencies that exist (the normalizer checks those first); behaviour is unspecified otherwise.
 */

import { dependencyIds, type Dependencies } from './dependencies.ts';

/** The part of a step the graph helpers read (either form of `dependsOn`: both are edges). */
export interface StepNode {
  id: string;
  dependsOn: Dependencies;
}

/**
 * Finds a dependency cycle by iterative depth-first search from each step in plan order (following
 * `dependsOn` in order).
 * @returns the first cycle met, as ids from a step back to itself following `dependsOn`
 *   (`['a', 'b', 'c', 'a']`: a depends on b, b on c, c on a), or `undefined` when the graph is a DAG.
 *   O(steps + edges).
 */
export function findCycle(steps: readonly StepNode[]): string[] | undefined {
  const deps = new Map(steps.map((s) => [s.id, dependencyIds(s.dependsOn)]));
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = done
  for (const root of steps) {
    if (state.has(root.id)) continue;
    const path: string[] = [root.id];
    const next: number[] = [0];
    state.set(root.id, 1);
    while (path.length > 0) {
      const top = path.length - 1;
      const id = path[top]!;
      const ds = deps.get(id) ?? [];
      const i = next[top]!;
      if (i >= ds.length) {
        state.set(id, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const d = ds[i]!;
      const st = state.get(d);
      if (st === 1) return [...path.slice(path.indexOf(d)), d];
      if (st === undefined && deps.has(d)) {
        state.set(d, 1);
        path.push(d);
        next.push(0);
      }
    }
  }
  return undefined;
}

/**
 * A topological order (Kahn's algorithm): every step after all its dependencies; among steps
 * whose dependencies are all placed, plan order first. O((steps + edges) · log steps).
 * @throws Error when the graph has a cycle (call `findCycle` first for a useful message).
 */
export function topologicalOrder(steps: readonly StepNode[]): string[] {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const waiting = steps.map((s) => new Set(dependencyIds(s.dependsOn)).size);
  const dependents: number[][] = steps.map(() => []);
  steps.forEach((s, i) => {
    for (const d of new Set(dependencyIds(s.dependsOn))) dependents[index.get(d)!]!.push(i);
  });
  const heap = new MinHeap();
  waiting.forEach((w, i) => w === 0 && heap.push(i));
  const order: string[] = [];
  for (let i = heap.pop(); i !== undefined; i = heap.pop()) {
    order.push(steps[i]!.id);
    for (const j of dependents[i]!) if (--waiting[j]! === 0) heap.push(j);
  }
  if (order.length !== steps.length) throw new Error('topologicalOrder: the steps have a dependency cycle');
  return order;
}

/**
 * Every step's ancestors: the steps it depends on, directly or transitively.
 * O(steps · ancestors) time and memory; for one question prefer `isAncestor`.
 * @throws Error when the graph has a cycle.
 */
export function stepAncestors(steps: readonly StepNode[]): Map<string, Set<string>> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const out = new Map<string, Set<string>>();
  for (const id of topologicalOrder(steps)) {
    const acc = new Set<string>();
    for (const d of dependencyIds(byId.get(id)!.dependsOn)) {
      acc.add(d);
      for (const a of out.get(d)!) acc.add(a);
    }
    out.set(id, acc);
  }
  return out;
}

/**
 * Whether `ancestor` is reachable from `stepId` along `dependsOn` (a step is not its own ancestor).
 * `deps` maps ids to their dependencies. Depth-first search, O(steps + edges) per call.
 */
export function isAncestor(deps: ReadonlyMap<string, readonly string[]>, stepId: string, ancestor: string): boolean {
  const seen = new Set<string>();
  const stack = [...(deps.get(stepId) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === ancestor) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of deps.get(id) ?? []) stack.push(d);
  }
  return false;
}

/** Answers "is X an ancestor of Y" in O(1) after an O(edges · steps / 32) precomputation. */
export interface AncestorIndex {
  /** Whether `ancestor` is reachable from `stepId` along `dependsOn` (false for unknown ids and for itself). */
  isAncestor(stepId: string, ancestor: string): boolean;
}

/**
 * Builds an `AncestorIndex`: one bitset of ancestors per step (steps² / 8 bytes: 125 KB for 1 000
 * steps), filled in topological order by OR-ing each dependency's bit and bitset.
 * @throws Error when the graph has a cycle.
 */
export function ancestorIndex(steps: readonly StepNode[]): AncestorIndex {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const words = Math.ceil(steps.length / 32);
  const bits = new Uint32Array(words * steps.length);
  const depIdx = steps.map((s) => dependencyIds(s.dependsOn).map((d) => index.get(d)!));
  for (const id of topologicalOrder(steps)) {
    const i = index.get(id)!;
    const row = i * words;
    for (const j of depIdx[i]!) {
      bits[row + (j >>> 5)]! |= 1 << (j & 31);
      const drow = j * words;
      for (let w = 0; w < words; w++) bits[row + w]! |= bits[drow + w]!;
    }
  }
  return {
    isAncestor(stepId, ancestor) {
      const i = index.get(stepId);
      const j = index.get(ancestor);
      if (i === undefined || j === undefined) return false;
      return (bits[i * words + (j >>> 5)]! & (1 << (j & 31))) !== 0;
    },
  };
}

/** A binary min-heap of integers. */
class MinHeap {
  private readonly a: number[] = [];
  push(v: number): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
