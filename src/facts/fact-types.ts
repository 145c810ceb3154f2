/**
 * The one list of every Orchestral fact type: name → zod schema of its `data`, and the current
 * schema version of each. Facts are the events of thread streams (`thread-<threadId>`).
 *
 * To change a fact's payload: bump its version here, and add an upcaster from the old version in
 * `upcasters.ts` so stored history keeps replaying.
 */
import type { z } from 'zod';
import type { RecordedEvent } from '../store/event-store.ts';
import { approvalFacts } from './facts/approval-facts.ts';
import { budgetFacts } from './facts/budget-facts.ts';
import { interactionFacts } from './facts/interaction-facts.ts';
import { stepFacts } from './facts/step-facts.ts';
import { threadFacts } from './facts/thread-facts.ts';
import { routeFacts } from './facts/route-facts.ts';

export const FACT_SCHEMAS = {
  ...threadFacts,
  ...interactionFacts,
  ...stepFacts,
  ...approvalFacts,
  ...budgetFacts,
  ...routeFacts,
} as const;

/** Name of a fact type, e.g. `StepStarted`. */
export type FactType = keyof typeof FACT_SCHEMAS;

/** Payload of fact `T` as read back (defaults applied). */
export type FactData<T extends FactType> = z.output<(typeof FACT_SCHEMAS)[T]>;
/** Payload of fact `T` as written (fields with defaults may be omitted). */
export type FactDataInput<T extends FactType> = z.input<(typeof FACT_SCHEMAS)[T]>;

/** A fact: `{ type, data }`, discriminated on `type`. This is also the event the machines receive. */
export type Fact = { [T in FactType]: { type: T; data: FactData<T> } }[FactType];
/** A fact of one type. */
export type FactOf<T extends FactType> = Extract<Fact, { type: T }>;
/** A fact to write. */
export type FactInput = { [T in FactType]: { type: T; data: FactDataInput<T> } }[FactType];

/** A fact as read from the store: the envelope (stream, revision, position, metadata) plus `{type, data}`. */
export type RecordedFact = Omit<RecordedEvent, 'type' | 'data'> & Fact;

/** Current schema version per fact type (≥ 1). */
export const FACT_VERSIONS: Record<FactType, number> = Object.fromEntries(
  Object.keys(FACT_SCHEMAS).map((t) => [t, t === 'StepFailed' ? 2 : 1]),
) as Record<FactType, number>;

/** All fact type names, in declaration order. */
export const FACT_TYPES = Object.keys(FACT_SCHEMAS) as FactType[];

/** True when `type` names a known fact type. */
export function isFactType(type: string): type is FactType {
  return Object.prototype.hasOwnProperty.call(FACT_SCHEMAS, type);
}
