/**
 * Routing one fact to the actors it concerns inside a fold draft: each machine takes it with
 * `nextSnapshot` (xstate-adapter.ts); an actor that does not accept it throws
 * IllegalTransitionError. Records are copied on their first write in a draft (copy-on-write), and
 * with hashing on, the snapshot before the batch of every actor changed is remembered.
 */
import type { AnyStateMachine } from 'xstate';
import type { InteractionEvent } from '../../../machines/interaction.machine.ts';
import type { StepEvent } from '../../../machines/step-lifecycle.ts';
import { dependenciesDone } from '../../plan/dependencies.ts';
import type { Fact, FactOf } from '../../facts/fact-types.ts';
import { IllegalTransitionError } from '../errors.ts';
import { stepKey, type AnySnap, type FoldBatch, type InteractionSnapshot, type MachineSet, type StepSnapshot } from './fold-types.ts';
import { logStepWrite, startStepLog } from './step-log.ts';
import { deriveStepRecord, isTableRecord } from './step-table.ts';
import { initialSnapshot as initial, nextSnapshot } from './xstate-adapter.ts';

const stateText = (snap: AnySnap | undefined): string => (snap === undefined ? 'missing' : JSON.stringify(snap.value));

/** The actor's snapshot after `fact`. @throws IllegalTransitionError when the actor is missing or refuses the fact. */
function advanceActor<S extends AnySnap>(d: FoldBatch, machine: AnyStateMachine, snap: S | undefined, fact: Fact | InteractionEvent | StepEvent, actor: string): S {
  if (snap === undefined) throw new IllegalTransitionError(d.threadId, d.revision, fact.type, actor, 'missing');
  const next = nextSnapshot(machine, snap, fact) as S;
  if (next === snap || next.status === 'error') {
    throw new IllegalTransitionError(d.threadId, d.revision, fact.type, actor, stateText(snap));
  }
  return next;
}

function sendToThread(d: FoldBatch, m: MachineSet, fact: Fact): void {
  const next = advanceActor(d, m.thread, d.thread, fact, 'thread');
  if (d.changed !== undefined && !d.changed.has('T')) d.changed.set('T', d.thread);
  d.thread = next;
}

/**
 * A copy of a record. A key loop: V8 copies a large dictionary-mode object (thousands of step keys)
 * about 3× faster this way than with spread or Object.assign.
 */
function copyRecord<V>(rec: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  const keys = Object.keys(rec);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = rec[keys[i]!]!;
  return out;
}

/**
 * Writes interaction `id`. The record is copied on the first write of a batch: a plain record key by
 * key; a table record (a state decoded from the snapshot cache, whose interactions are made on first
 * read, and its successors) derived in O(64), so the interactions not read stay undecoded.
 */
function setInteraction(d: FoldBatch, id: string, snap: InteractionSnapshot): void {
  if (!d.ownInteractions) {
    if (isTableRecord(d.interactions)) {
      d.interactionWriter = deriveStepRecord(d.interactions);
      d.interactions = d.interactionWriter.record;
    } else {
      d.interactionWriter = undefined;
      d.interactions = copyRecord(d.interactions);
    }
    d.ownInteractions = true;
  }
  if (d.changed !== undefined) {
    const actor = `I:${id}`;
    if (!d.changed.has(actor)) d.changed.set(actor, d.interactions[id]);
  }
  if (d.interactionWriter !== undefined) d.interactionWriter.set(id, snap);
  else d.interactions[id] = snap;
}

function sendToInteraction(d: FoldBatch, m: MachineSet, id: string, fact: InteractionEvent): void {
  setInteraction(d, id, advanceActor(d, m.interaction, d.interactions[id], fact, `interaction:${id}`));
}

function setStep(d: FoldBatch, key: string, snap: StepSnapshot): void {
  if (!d.ownSteps || d.stepWriter === undefined) {
    const parent = d.steps;
    d.stepWriter = deriveStepRecord(parent);
    d.steps = d.stepWriter.record;
    d.ownSteps = true;
    startStepLog(d.steps, parent);
  }
  if (d.changed !== undefined) {
    const actor = `K:${key}`; // built once: the lookup and the insertion hash the same string
    if (!d.changed.has(actor)) d.changed.set(actor, d.steps[key]);
  }
  d.stepWriter.set(key, snap);
  logStepWrite(d.steps, key);
}

function sendToStep(d: FoldBatch, m: MachineSet, data: { interactionId: string; planId: string; stepId: string }, fact: Fact): void {
  const key = stepKey(data.interactionId, data.planId, data.stepId);
  const snap = d.steps[key];
  setStep(d, key, advanceActor(d, m.step, snap, snap?.value === 'pending' ? withReadiness(d, snap, fact) : fact, `step:${key}`));
}

/** Facts that may take a pending step whose dependencies are done straight out of `pending`. */
const STARTING: ReadonlySet<string> = new Set(['StepStarted', 'StepFailed', 'ApprovalRequested']);

/**
 * `fact` for a pending step, annotated `dependenciesDone: true` when it is one of STARTING and the
 * step's dependencies (its plan's `dependsOn`) are done in the states folded so far: the step is
 * ready though no fact made it so (step-lifecycle.ts). O(dependencies).
 */
function withReadiness(d: FoldBatch, snap: StepSnapshot, fact: Fact): StepEvent {
  if (!STARTING.has(fact.type)) return fact;
  const { interactionId, planId, step } = snap.context;
  const done = dependenciesDone(step.dependsOn, (id) => d.steps[stepKey(interactionId, planId, id)]?.value as string | undefined);
  // Object.assign, not `{ ...fact, dependenciesDone: true }`: V8 (node 20) gives each object made by a
  // spread followed by a new key hidden classes of its own, in the old generation (one set per start).
  return done ? Object.assign({}, fact, { dependenciesDone: true as const }) : fact;
}

const isLive = (snap: InteractionSnapshot | undefined): boolean => snap !== undefined && snap.status === 'active';

/** StepCancelled annotated with the approval its step was waiting for (the interaction drops it). */
function withApproval(fact: FactOf<'StepCancelled'>, snap: StepSnapshot | undefined): InteractionEvent {
  const approval = snap?.context.approval;
  if (snap?.value !== 'waiting_approval' || approval?.status !== 'requested') return fact;
  return { ...fact, pendingApprovalId: approval.approvalId };
}

/**
 * Routes one fact to the actors it concerns, in this order (all must accept):
 * thread-only facts (ThreadOpened/Forked/Closed, InputReceived, PolicyApplied, BudgetWarned,
 * BudgetExtended without interactionId) → thread; InteractionStarted → thread, then creates the
 * interaction; interaction-ending facts → interaction + thread; PlannerResponded/PlannerFailed →
 * interaction + thread (cost); other interaction facts → interaction; PlanAccepted → interaction,
 * then creates one step actor per plan step; StepReady (older histories)/StepProgressed → step; StepStarted → step +
 * interaction + thread (reservation); StepCompleted/final StepFailed/StepCancelled → step + interaction (its
 * observation; skipped once the interaction has ended, so a step aborted by a cancel can still settle;
 * a StepCancelled of a step waiting for approval reaches the interaction annotated with that
 * approval's id, `pendingApprovalId`, so the interaction withdraws it) + thread (cost); a retrying StepFailed → step + thread; approvals → interaction (+ step when stepId); RouteEvaluated/ModelSwitched → no actor.
 * A StepStarted, StepFailed or ApprovalRequested reaching a `pending` step reaches it annotated
 * `dependenciesDone: true` when the step's dependencies are done in the states folded so far
 * (`withReadiness`): readiness is derived, not recorded, and the step machine refuses such a fact
 * without it.
 */
export function route(d: FoldBatch, m: MachineSet, fact: Fact): void {
  switch (fact.type) {
    case 'ThreadOpened':
    case 'ThreadForked':
    case 'ThreadClosed':
    case 'InputReceived':
    case 'PolicyApplied':
    case 'BudgetWarned':
      return sendToThread(d, m, fact);
    case 'BudgetExtended':
      return fact.data.interactionId === undefined ? sendToThread(d, m, fact) : sendToInteraction(d, m, fact.data.interactionId, fact);
    case 'InteractionStarted': {
      sendToThread(d, m, fact);
      const id = fact.data.interactionId;
      if (d.interactions[id] !== undefined) {
        throw new IllegalTransitionError(d.threadId, d.revision, fact.type, `interaction:${id}`, 'exists');
      }
      return setInteraction(d, id, initial(m.interaction, fact.data));
    }
    case 'InteractionCompleted':
    case 'InteractionFailed':
    case 'InteractionCancelled':
    case 'PlannerResponded':
    case 'PlannerFailed':
      sendToInteraction(d, m, fact.data.interactionId, fact);
      return sendToThread(d, m, fact);
    case 'InputMerged':
    case 'PlanningRequested':
    case 'PlanRejected':
    case 'PlanFinished':
    case 'InputRequested':
    case 'Interrupted':
    case 'Resumed':
      return sendToInteraction(d, m, fact.data.interactionId, fact);
    case 'PlanAccepted': {
      const { interactionId, planId, plan } = fact.data;
      sendToInteraction(d, m, interactionId, fact);
      for (const s of plan.steps) {
        const key = stepKey(interactionId, planId, s.id);
        if (d.steps[key] !== undefined) throw new IllegalTransitionError(d.threadId, d.revision, fact.type, `step:${key}`, 'exists');
        setStep(d, key, initial(m.step, { interactionId, planId, step: s }));
      }
      return;
    }
    case 'StepReady':
    case 'StepProgressed':
      return sendToStep(d, m, fact.data, fact);
    case 'StepStarted':
      sendToStep(d, m, fact.data, fact);
      sendToInteraction(d, m, fact.data.interactionId, fact);
      return sendToThread(d, m, fact);
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepCancelled': {
      const before = d.steps[stepKey(fact.data.interactionId, fact.data.planId, fact.data.stepId)];
      sendToStep(d, m, fact.data, fact);
      const finalOutcome = fact.type !== 'StepFailed' || fact.data.retryAtMs === null;
      if (finalOutcome && isLive(d.interactions[fact.data.interactionId])) {
        sendToInteraction(d, m, fact.data.interactionId, fact.type === 'StepCancelled' ? withApproval(fact, before) : fact);
      }
      return sendToThread(d, m, fact);
    }
    case 'ApprovalRequested':
    case 'ApprovalGranted':
    case 'ApprovalRejected':
      sendToInteraction(d, m, fact.data.interactionId, fact);
      if (fact.data.stepId !== undefined) sendToStep(d, m, { ...fact.data, stepId: fact.data.stepId }, fact);
      return;
    case 'RouteEvaluated':
    case 'ModelSwitched':
      return; // records of why a plan was chosen and which model answered; no actor's state depends on them
    default: {
      const unknown = fact as { type: string };
      throw new IllegalTransitionError(d.threadId, d.revision, unknown.type, 'none', 'unknown fact type');
    }
  }
}
