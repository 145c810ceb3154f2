/**
 * The one list of every Orchestral fact type: name → zod schema of its `data`, and the current
 * schema version of each. Facts are the events of thread streams (`thread-<threadId>`).
 *
 * To change a fact's payload: bump its version (`fact-names.ts`), and add an upcaster from the old
 * version in `upcasters.ts` so stored history keeps replaying. A new fact type goes in the table
 * here and in the list of `fact-names.ts` (the names without the schemas, for code that must not
 * load zod); the compiler checks that both name the same types.
 */
import type { z } from 'zod';
import type { RecordedEvent } from '../store/event-store.ts';
import { approvalFacts } from './facts/approval-facts.ts';
import { budgetFacts } from './facts/budget-facts.ts';
import { interactionFacts } from './facts/interaction-facts.ts';
import { stepFacts } from './facts/step-facts.ts';
import { threadFacts } from './facts/thread-facts.ts';
import { routeFacts } from './facts/route-facts.ts';
import { llmFacts } from './facts/llm-facts.ts';
import { FACT_TYPES, FACT_VERSIONS, isFactType, type FactName } from './fact-names.ts';

export { FACT_TYPES, FACT_VERSIONS, isFactType };

/**
 * The zod schema of each fact type's payload, by type name. `FACT_SCHEMAS[type].parse(data)` validates
 * a payload and applies its defaults (throws a `ZodError` on an invalid one), as the fact codec does
 * before a fact is written.
 */
export const FACT_SCHEMAS = {
  ...threadFacts,
  ...interactionFacts,
  ...stepFacts,
  ...approvalFacts,
  ...budgetFacts,
  ...routeFacts,
  ...llmFacts,
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

/** Compiles only when `A` and `B` are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Compile-time check: the schema table and `FACT_TYPES` of `fact-names.ts` name the same fact types. */
export type FactNamesMatchSchemas = Assert<Same<FactType, FactName>>;
