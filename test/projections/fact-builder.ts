/**
 * Builds RecordedFact arrays by hand for projection tests: payloads validated (and defaults
 * applied) by the fact codec, positions and revisions assigned in order, `recordedAt` one second
 * apart from 2026-01-01T00:00:00Z unless `atMs` is given.
 */
import { FACT_VERSIONS, type FactInput, type RecordedFact } from '../../src/facts/fact-types.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

/** A fact to build: the fact plus its stream (default `thread-t1`) and time (ms since epoch). */
export type FactSpec = FactInput & { stream?: string; atMs?: number };

export const T0 = Date.UTC(2026, 0, 1);

/** Recorded facts of `specs` in order; positions from `firstPosition` (default 0). */
export function recorded(specs: readonly FactSpec[], firstPosition = 0): RecordedFact[] {
  const revisions = new Map<string, bigint>();
  return specs.map((spec, i) => {
    const streamId = spec.stream ?? 'thread-t1';
    const revision = revisions.get(streamId) ?? 0n;
    revisions.set(streamId, revision + 1n);
    const encoded = factCodec.encode(spec.type, spec.data, undefined);
    if (!encoded.ok) throw new Error(`bad test fact ${spec.type}: ${encoded.issues.join('; ')}`);
    const n = firstPosition + i;
    return {
      streamId, revision, position: BigInt(n), id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
      type: spec.type, data: encoded.data,
      metadata: { schemaVersion: FACT_VERSIONS[spec.type], recordedAt: new Date(spec.atMs ?? T0 + n * 1000).toISOString() },
    } as RecordedFact;
  });
}

/** A plan-accepting prefix: thread t1 opened, interaction i1 started, plan p1 with `steps` accepted. */
export function planPrefix(steps: Array<{ id: string; dependsOn?: string[]; requiresApproval?: boolean; retry?: { maxAttempts: number } }>, budgetUsd?: number): FactSpec[] {
  return [
    { type: 'ThreadOpened', data: { threadId: 't1', title: 'Demo', policy: { kind: 'enqueue' }, ...(budgetUsd !== undefined ? { budget: { limitUsd: budgetUsd } } : {}) } },
    { type: 'InputReceived', data: { inputId: 'in1', text: 'read the files' } },
    { type: 'InteractionStarted', data: { interactionId: 'i1', inputId: 'in1', text: 'read the files', maxIterations: 4 } },
    { type: 'PlanAccepted', data: { interactionId: 'i1', planId: 'p1', iteration: 1, plan: { steps: steps.map((s) => ({ action: 'fs.read', ...s })) } } },
  ];
}

/** The step reference of step `stepId` of plan p1 of interaction i1. */
export const step = (stepId: string): { interactionId: string; planId: string; stepId: string } => ({ interactionId: 'i1', planId: 'p1', stepId });
