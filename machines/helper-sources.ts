/**
 * The source text of the code the machines run that their definitions do not hold: functions their
 * guards, actions and context factories call, defined outside the machines' config and
 * implementations, and the classes their contexts hold (AppendSeq, OrderedRecord). The snapshot
 * cache's machine hash (`machineDefinitionHash`, src/history/snapshot-cache/snapshot-cache-machines.ts)
 * adds it to the definitions, so a change to any of it is other machine code and cached snapshots
 * folded by the old code are not reused.
 *
 * A machine module that calls a helper from outside its definition lists the helper in its source
 * constant (and a new helper module adds its constant here). Not covered: what those helpers and
 * classes call in turn outside their own text (e.g. xstate itself).
 */
import { AppendSeq } from '../src/core/append-seq.ts';
import { OrderedRecord } from '../src/core/ordered-record.ts';
import { INTERACTION_CONTEXT_SOURCE } from './interaction-context.ts';
import { STEP_LIFECYCLE_SOURCE } from './step-lifecycle.ts';
import { STEP_MACHINE_HELPERS_SOURCE } from './step.machine.ts';
import { THREAD_MACHINE_HELPERS_SOURCE } from './thread.machine.ts';

/**
 * The source texts, by where they come from, in a fixed order (the hash joins the values in this
 * order): each a `String(fn)` / `String(class)` text, several joined by newlines.
 */
export const MACHINE_HELPER_SOURCES: Readonly<Record<string, string>> = Object.freeze({
  stepLifecycle: STEP_LIFECYCLE_SOURCE,
  stepMachine: STEP_MACHINE_HELPERS_SOURCE,
  interactionContext: INTERACTION_CONTEXT_SOURCE,
  threadMachine: THREAD_MACHINE_HELPERS_SOURCE,
  appendSeq: String(AppendSeq),
  orderedRecord: String(OrderedRecord),
});
