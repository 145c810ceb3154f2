/**
 * Refusing a plan file whose own facts would be over the event size limit, before anything is
 * appended: the plan is recorded whole in PlannerResponded (the static planner's answer) and in
 * PlanAccepted (normalised), so a plan whose encoded JSON is too large could never start. The
 * error names the largest field (usually a step input) with its place in the file.
 */
import { DEFAULT_MAX_EVENT_BYTES, encodedFactBytes, FACT_SCHEMAS, largestLeaf, PlanFileError, type FactInput } from '../index.ts';
import type { PlanSpec } from '../index.ts';
import { fieldPath, type PlanFile } from './plan-file.ts';

/** The longest id a fact can carry (see `Id` in src/facts/facts/common.ts): sizes are upper bounds. */
const LONGEST_ID = 'x'.repeat(128);
/** Metadata ids as the runtime writes them (UUIDs). */
const META = { correlationId: '00000000-0000-0000-0000-000000000000', causationId: '00000000-0000-0000-0000-000000000000' };

function factBytes(fact: FactInput): number {
  return encodedFactBytes(fact.type, FACT_SCHEMAS[fact.type].parse(fact.data), META);
}

/**
 * Encoded size (bytes, upper bound) of the largest fact that records the plan of `pf` whole:
 * the static planner's PlannerResponded, or PlanAccepted with the normalised plan `normalized`.
 */
export function planFactBytes(pf: PlanFile, normalized: PlanSpec): number {
  const responded = factBytes({
    type: 'PlannerResponded',
    data: {
      interactionId: LONGEST_ID,
      iteration: 1,
      output: { kind: 'mini_plan', plan: pf.plan },
      repairs: 0,
      request: { planner: 'static', source: pf.file, iteration: 1 },
    },
  });
  const accepted = factBytes({ type: 'PlanAccepted', data: { interactionId: LONGEST_ID, planId: LONGEST_ID, iteration: 1, plan: normalized } });
  return Math.max(responded, accepted);
}

/**
 * Checks that the facts recording the plan fit in one event.
 * @param normalized the plan as `validatePlanFile` returned it.
 * @param maxEventBytes the store's limit, bytes (default 1 MiB).
 * @throws PlanFileError (exit 64) `file:line:col: step '<id>' <field>: the plan is N bytes after JSON
 *   encoding (this field M bytes), over the event limit of L bytes` — the largest field of the plan.
 */
export function checkPlanFileSize(pf: PlanFile, normalized: PlanSpec, displayPath: string, maxEventBytes = DEFAULT_MAX_EVENT_BYTES): void {
  const size = planFactBytes(pf, normalized);
  if (size <= maxEventBytes) return;
  const leaf = largestLeaf(pf.plan);
  const stepIndex = /^steps\[(\d+)\]/.exec(leaf.path)?.[1];
  const stepId = stepIndex === undefined ? undefined : pf.plan.steps[Number(stepIndex)]?.id;
  const pos = pf.locate(fieldPath(leaf.path));
  const where = pos ? `${displayPath}:${pos.line}:${pos.col}` : displayPath;
  const field = `${stepId !== undefined ? `step '${stepId}' ` : ''}${leaf.path || '(plan)'}`;
  const message = `${where}: ${field}: the plan is ${size} bytes after JSON encoding (this field ${leaf.bytes} bytes), over the event limit of ${maxEventBytes} bytes`;
  throw new PlanFileError(pf.file, message, [message], pos?.line, pos?.col);
}
