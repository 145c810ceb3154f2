/**
 * The `dag` projection: the plan graph of every interaction, enough to draw it — nodes (with a
 * layer for a left-to-right layout), edges, each node's status, the ready set and the critical path
 * so far. Readiness is derived (no fact records it): a pending node whose dependencies are done, in
 * a plan whose approval gate (if any) was granted, is `ready` (`shared/step-status.ts`).
 *
 * Shape: threads (KeyedMap) → interactions (KeyedMap) → `plans[planId]` → `PlanDag`; read it with
 * `dagInteraction(state, threadId, interactionId)`.
 *
 * Layers: a node's `layer` is the length of the longest dependency chain above it (roots are 0),
 * computed once at PlanAccepted by a Kahn-style topological pass; nodes of one layer can be drawn in
 * one column. Edges go from a dependency to its dependent (`from` must complete before `to`).
 *
 * Critical path so far (longest path by recorded durations over completed nodes): each node's
 * weight is `runMs`, the sum of the `durationMs` its attempts recorded (StepFailed + StepCompleted).
 * When node n completes, `pathMs(n) = runMs(n) + max(pathMs(d))` over its completed dependencies d
 * (ties: the first in `dependsOn` order), remembering that d as `pathPrev(n)`. Since a step starts
 * only after its dependencies completed, this equals the classic longest-path DP over the completed
 * sub-DAG in topological order (CLRS §24.2, DAG shortest paths with negated weights), done
 * incrementally in O(deps) per completion. The critical path is the chain ending at the completed
 * node with the largest `pathMs` (ties: the one that completed first), read back through `pathPrev`.
 *
 * Errors (the projector names the fact): PlanAccepted with a dependency on an unknown step or a
 * cycle, or reusing a planId; a step fact for an unknown plan or step.
 */
import type { RecordedFact } from '../src/facts/fact-types.ts';
import type { PlanSpec } from '../src/plan/plan-schema.ts';
import type { Projection } from '../src/projections/projection.ts';
import { threadIdOf } from './shared/fact-envelope.ts';
import { emptyKeyed, getKeyed, setKeyed, updateKeyed, type KeyedMap } from './shared/keyed-map.ts';
import { assoc } from './shared/records.ts';
import { dependentsOf, nextLifecycle, promoteReady, type StepStatus } from './shared/step-status.ts';
import { anyJoinCandidates, dependencyIds } from '../src/plan/dependencies.ts';

/** One node (step) of a plan graph. Durations in ms. */
export interface DagNode {
  id: string;
  action: string;
  /** The step's description, else its action. */
  label: string;
  dependsOn: string[];
  /** `dependsOn` was an any-join (`{ any: [...] }`): ready once one of them completed. */
  anyJoin: boolean;
  /** Column for a layered drawing (longest dependency chain above the node). */
  layer: number;
  /**
   * Status and attempts: the step lifecycle folded over the step's facts (`shared/step-status.ts`),
   * readiness derived (`ready` once the dependencies are done and the plan's approval gate is open).
   */
  status: StepStatus;
  attempts: number;
  /** `retry.maxAttempts` of the step (1 without a retry policy). */
  maxAttempts: number;
  /** The step approval asked last, else null. */
  approvalId: string | null;
  /** Sum of the recorded attempt durations. */
  runMs: number;
  /** Longest recorded path ending here (set when the node completes), else null. */
  pathMs: number | null;
  /** Previous node on that path, else null. */
  pathPrev: string | null;
}

/** One plan's graph. */
export interface PlanDag {
  planId: string;
  iteration: number;
  title: string | null;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  /** Node ids in plan order. */
  nodeOrder: string[];
  nodes: Record<string, DagNode>;
  /** Dependency → dependent. */
  edges: Array<{ from: string; to: string }>;
  /** Number of layers (max layer + 1). */
  layerCount: number;
  /** Nodes whose status is `ready`, in plan order. */
  ready: string[];
  /** The plan requires an approval not granted yet: none of its nodes is ready. */
  gated: boolean;
  /** Longest path so far over completed nodes, root first; empty before any completion. */
  criticalPath: { stepIds: string[]; durationMs: number };
}

/** The plan graphs of one interaction, in acceptance order. */
export interface DagInteraction {
  planOrder: string[];
  plans: Record<string, PlanDag>;
}

/** State of the `dag` projection (threads and their interactions keyed; see `shared/keyed-map.ts`). */
export interface DagState {
  threads: KeyedMap<{ interactions: KeyedMap<DagInteraction> }>;
}

/** The plan graphs of one interaction, or undefined. */
export function dagInteraction(state: DagState, threadId: string, interactionId: string): DagInteraction | undefined {
  const thread = getKeyed(state.threads, threadId);
  return thread && getKeyed(thread.interactions, interactionId);
}

/** Layers of a plan's steps by longest dependency chain. @throws Error on an unknown dependency or a cycle. */
export function layerSteps(plan: PlanSpec): Record<string, number> {
  const ids = new Set(plan.steps.map((s) => s.id));
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of plan.steps) {
    for (const dep of dependencyIds(step.dependsOn)) {
      if (!ids.has(dep)) throw new Error(`PlanAccepted: step '${step.id}' depends on unknown step '${dep}'`);
      dependents.set(dep, [...(dependents.get(dep) ?? []), step.id]);
    }
    pending.set(step.id, new Set(dependencyIds(step.dependsOn)).size);
  }
  const layer: Record<string, number> = {};
  const queue = plan.steps.filter((s) => pending.get(s.id) === 0).map((s) => s.id);
  for (const id of queue) layer[id] = 0;
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    for (const next of new Set(dependents.get(id) ?? [])) {
      layer[next] = Math.max(layer[next] ?? 0, (layer[id] ?? 0) + 1);
      const left = (pending.get(next) ?? 0) - 1;
      pending.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  if (queue.length !== plan.steps.length) {
    const stuck = plan.steps.filter((s) => (pending.get(s.id) ?? 0) > 0).map((s) => s.id);
    throw new Error(`PlanAccepted: dependency cycle among steps ${stuck.map((s) => `'${s}'`).join(', ')}`);
  }
  return layer;
}

function buildPlan(fact: Extract<RecordedFact, { type: 'PlanAccepted' }>): PlanDag {
  const { planId, iteration, plan } = fact.data;
  const layer = layerSteps(plan);
  const nodes: Record<string, DagNode> = {};
  const edges: PlanDag['edges'] = [];
  for (const s of plan.steps) {
    nodes[s.id] = {
      id: s.id, action: s.action, label: s.description ?? s.action, dependsOn: [...dependencyIds(s.dependsOn)], anyJoin: anyJoinCandidates(s.dependsOn) !== undefined, layer: layer[s.id] ?? 0,
      status: 'pending', attempts: 0, maxAttempts: s.retry?.maxAttempts ?? 1, approvalId: null, runMs: 0, pathMs: null, pathPrev: null,
    };
    for (const dep of dependencyIds(s.dependsOn)) edges.push({ from: dep, to: s.id });
  }
  const layerCount = 1 + Math.max(...Object.values(layer));
  const nodeOrder = plan.steps.map((s) => s.id);
  const gated = plan.requiresApproval === true;
  const readyNodes = promoteReady(nodes, nodeOrder, !gated, toReady);
  return { planId, iteration, title: plan.title ?? null, status: 'running', nodeOrder, nodes: readyNodes, edges, layerCount, ready: readyIds(readyNodes, nodeOrder), gated, criticalPath: { stepIds: [], durationMs: 0 } };
}

const toReady = (n: DagNode): DagNode => ({ ...n, status: 'ready' });
const readyIds = (nodes: Record<string, DagNode>, order: readonly string[]): string[] => order.filter((id) => nodes[id]?.status === 'ready');

/** The plan after its approval gate was granted: nodes whose dependencies are done become ready. */
function openGate(plan: PlanDag): PlanDag {
  if (!plan.gated) return plan;
  const nodes = promoteReady(plan.nodes, plan.nodeOrder, true, toReady);
  return { ...plan, gated: false, nodes, ready: readyIds(nodes, plan.nodeOrder) };
}

function pathTo(nodes: Record<string, DagNode>, end: string): string[] {
  const path: string[] = [];
  for (let id: string | null = end; id !== null; id = nodes[id]?.pathPrev ?? null) path.unshift(id);
  return path;
}

function evolveNode(plan: PlanDag, fact: RecordedFact, stepId: string): PlanDag {
  const node = plan.nodes[stepId];
  if (!node) throw new Error(`${fact.type}: unknown step '${stepId}' in plan '${plan.planId}'`);
  const { status, attempts, approvalId } = nextLifecycle(node, fact);
  const runMs = fact.type === 'StepCompleted' || fact.type === 'StepFailed' ? node.runMs + fact.data.durationMs : node.runMs;
  if (status === node.status && attempts === node.attempts && runMs === node.runMs && approvalId === node.approvalId) return plan; // e.g. progress of a known attempt
  let next: DagNode = { ...node, status, attempts, approvalId, runMs };
  let { criticalPath } = plan;
  let nodes = assoc(plan.nodes, stepId, next);
  if (next.status === 'completed' && node.status !== 'completed') {
    let prev: string | null = null;
    let best = 0;
    for (const dep of next.dependsOn) {
      const d = nodes[dep];
      if (d && d.status === 'completed' && d.pathMs !== null && (prev === null || d.pathMs > best)) [prev, best] = [dep, d.pathMs];
    }
    next = { ...next, pathMs: next.runMs + best, pathPrev: prev };
    nodes = assoc(plan.nodes, stepId, next);
    if (criticalPath.stepIds.length === 0 || (next.pathMs ?? 0) > criticalPath.durationMs) {
      criticalPath = { stepIds: pathTo(nodes, stepId), durationMs: next.pathMs ?? 0 };
    }
  }
  if (next.status === 'completed' && node.status !== 'completed') nodes = promoteReady(nodes, dependentsOf(nodes, plan.nodeOrder, stepId), !plan.gated, toReady);
  const ready = next.status === node.status ? plan.ready : readyIds(nodes, plan.nodeOrder);
  return { ...plan, nodes, ready, criticalPath };
}

type Interactions = KeyedMap<DagInteraction>;

function evolveInteractions(interactions: Interactions, fact: RecordedFact): Interactions {
  if (fact.type === 'PlanAccepted') {
    const { interactionId, planId } = fact.data;
    return updateKeyed<DagInteraction>(interactions, interactionId, () => ({ planOrder: [], plans: {} }), (i) => {
      if (i.plans[planId]) throw new Error(`PlanAccepted: plan '${planId}' of interaction '${interactionId}' was already accepted`);
      return { planOrder: [...i.planOrder, planId], plans: assoc(i.plans, planId, buildPlan(fact)) };
    });
  }
  let ref: { interactionId: string; planId: string; stepId?: string | undefined };
  switch (fact.type) {
    case 'PlanFinished': case 'StepReady': case 'StepStarted': case 'StepProgressed': case 'StepCompleted': case 'StepFailed': case 'StepCancelled':
      ref = fact.data;
      break;
    case 'ApprovalRequested': case 'ApprovalGranted': case 'ApprovalRejected':
      if (fact.data.stepId === undefined && fact.type !== 'ApprovalGranted') return interactions;
      ref = fact.data;
      break;
    default:
      return interactions;
  }
  const interaction = getKeyed(interactions, ref.interactionId);
  const plan = interaction?.plans[ref.planId];
  if (!interaction || !plan) throw new Error(`${fact.type}: unknown plan '${ref.planId}' of interaction '${ref.interactionId}' (no PlanAccepted before)`);
  const next =
    fact.type === 'PlanFinished' ? { ...plan, status: fact.data.outcome }
    : ref.stepId === undefined ? openGate(plan) // a plan approval granted
    : evolveNode(plan, fact, ref.stepId);
  if (next === plan) return interactions;
  return setKeyed(interactions, ref.interactionId, { ...interaction, plans: assoc(interaction.plans, ref.planId, next) });
}

/** The fact types `dag` reads; every other fact leaves the state as is (checked first: cheap). */
const DAG_FACTS: ReadonlySet<string> = new Set([
  'PlanAccepted', 'PlanFinished', 'StepReady', 'StepStarted', 'StepProgressed', 'StepCompleted', 'StepFailed', 'StepCancelled',
  'ApprovalRequested', 'ApprovalGranted', 'ApprovalRejected',
]);

/** The `dag` projection (see the module docstring for the layout and critical-path algorithm). */
export const dagProjection: Projection<DagState> = {
  name: 'dag',
  version: 5,
  initialState: { threads: emptyKeyed() },
  evolve(state, fact) {
    if (!DAG_FACTS.has(fact.type)) return state;
    const threadId = threadIdOf(fact);
    if (threadId === undefined) return state;
    const thread = getKeyed(state.threads, threadId) ?? { interactions: emptyKeyed<DagInteraction>() };
    const interactions = evolveInteractions(thread.interactions, fact);
    return interactions === thread.interactions ? state : { threads: setKeyed(state.threads, threadId, { interactions }) };
  },
};
