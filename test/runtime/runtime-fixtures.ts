/**
 * Test fixtures for the runtime tests: scripted planners and controllable actions that count their
 * calls, and `settle`, which drives a SimulatedClock until a thread is settled.
 */
import { expect } from 'vitest';
import { z } from 'zod';
import { defineAction, type Action } from '../../src/actions/action.ts';
import { createActionRegistry, type ActionRegistry } from '../../src/actions/registry.ts';
import { SimulatedClock } from '../../src/core/clock.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import type { EventStore, RecordedEvent } from '../../src/store/event-store.ts';
import { isStreamNotFoundError } from '../../src/store/errors.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog, type InMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { createRuntime, type RuntimeOptions } from '../../src/runtime/runtime.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import type { Planner, PlanningRequest } from '../../src/planner/planner.ts';
import { countingPlanner, scriptedPlanner } from '../../src/testing/scripted-planner.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import type { ThreadSummary } from '../../src/runtime/thread-summary.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

export { scriptedPlanner, countingPlanner, type ScriptedPlanner } from '../../src/testing/scripted-planner.ts';

/** Counters of the test actions. */
export interface ActionCounters {
  calls: Record<string, number>;
  keys: string[];
}

/** A manually released action: `gate.release(key, output)` resolves the run with that key. */
export interface Gate {
  pending: Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>;
  release(key: string, output?: unknown): void;
  fail(key: string, error: Error): void;
}

/**
 * A registry with counting actions:
 * - `t.ok` echoes `{ value }`; cost 0.01 USD each (estimate and actual);
 * - `t.flaky` fails (retryable) while its attempt ≤ `failTimes`, then echoes;
 * - `t.gate` waits for `gate.release(idempotencyKey)`, emitting a progress message first;
 * - `t.boom` always fails, not retryable;
 * - `t.llm` reports LLM usage of `model` on every attempt (10 + attempt tokens in, 2 out, `attempt`
 *   requests, 0.002 USD), failing (retryable) while its attempt ≤ `failTimes`.
 */
export function testActions(): { registry: ActionRegistry; counters: ActionCounters; gate: Gate } {
  const counters: ActionCounters = { calls: {}, keys: [] };
  const count = (name: string, key: string): void => {
    counters.calls[name] = (counters.calls[name] ?? 0) + 1;
    counters.keys.push(key);
  };
  const gate: Gate = {
    pending: new Map(),
    release(key, output = { released: key }) {
      const p = gate.pending.get(key);
      if (!p) throw new Error(`no gated run with key ${key} (pending: ${[...gate.pending.keys()].join(', ')})`);
      gate.pending.delete(key);
      p.resolve(output);
    },
    fail(key, error) {
      const p = gate.pending.get(key);
      if (!p) throw new Error(`no gated run with key ${key}`);
      gate.pending.delete(key);
      p.reject(error);
    },
  };
  const actions: Action[] = [
    defineAction({
      name: 't.ok',
      description: 'echoes its value',
      input: z.object({ value: z.unknown().optional() }),
      output: z.object({ value: z.unknown().optional() }),
      estimateCost: () => 0.01,
      async run(input, ctx) {
        count('t.ok', ctx.idempotencyKey);
        ctx.addCost(0.01);
        return { value: input.value };
      },
    }),
    defineAction({
      name: 't.flaky',
      description: 'fails for the first failTimes attempts',
      input: z.object({ failTimes: z.number().int().min(0), value: z.unknown().optional() }),
      output: z.object({ value: z.unknown().optional(), attempt: z.number() }),
      async run(input, ctx) {
        count('t.flaky', ctx.idempotencyKey);
        if (ctx.attempt <= input.failTimes) throw Object.assign(new Error(`flaky failure ${ctx.attempt}`), { retryable: true });
        return { value: input.value, attempt: ctx.attempt };
      },
    }),
    defineAction({
      name: 't.gate',
      description: 'waits until released by the test',
      input: z.object({ label: z.string().optional() }),
      output: z.unknown(),
      run(_input, ctx) {
        count('t.gate', ctx.idempotencyKey);
        ctx.emit({ message: 'waiting', data: { key: ctx.idempotencyKey } });
        return new Promise((resolve, reject) => {
          gate.pending.set(ctx.idempotencyKey, { resolve, reject });
          ctx.signal.addEventListener('abort', () => {
            gate.pending.delete(ctx.idempotencyKey);
            reject(Object.assign(new Error('aborted'), { partialOutput: { partial: true } }));
          });
        });
      },
    }),
    defineAction({
      name: 't.boom',
      description: 'always fails',
      input: z.object({}),
      output: z.unknown(),
      async run(_input, ctx) {
        count('t.boom', ctx.idempotencyKey);
        throw Object.assign(new Error('boom'), { retryable: false, code: 'BOOM' });
      },
    }),
    defineAction({
      name: 't.llm',
      description: 'reports LLM usage, fails for the first failTimes attempts',
      input: z.object({ model: z.string(), failTimes: z.number().int().min(0).default(0) }),
      output: z.object({ text: z.string() }),
      estimateCost: () => 0.002,
      async run(input, ctx) {
        count('t.llm', ctx.idempotencyKey);
        ctx.addUsage({ model: input.model, inputTokens: 10 + ctx.attempt, outputTokens: 2, calls: ctx.attempt, costUsd: 0.002 });
        if (ctx.attempt <= input.failTimes) throw Object.assign(new Error(`refused ${ctx.attempt}`), { retryable: true });
        return { text: 'ok' };
      },
    }),
  ];
  return { registry: createActionRegistry(actions), counters, gate };
}

/** Total calls of every test action. */
export const totalCalls = (c: ActionCounters): number => Object.values(c.calls).reduce((a, b) => a + b, 0);

/**
 * Waits until the thread is settled, advancing `clock` by `stepMs` whenever the runtime is idle but
 * a timer (retry backoff) is armed. Throws after `maxSteps` advances.
 */
export async function settle(rt: Runtime, threadId: string, clock?: SimulatedClock, stepMs = 1000, maxSteps = 1000): Promise<ThreadSummary> {
  for (let i = 0; i <= maxSteps; i++) {
    const s = await rt.whenIdle(threadId);
    const waitingOnly = s.live.every((id) => ['waiting_input', 'waiting_approval', 'interrupted'].includes(s.interactions[id]!.status));
    if (waitingOnly) return rt.whenSettled(threadId);
    if (!clock || clock.pendingTimers() === 0) throw new Error(`thread ${threadId} is idle but not settled and no timer is armed: ${JSON.stringify(s.live.map((id) => s.interactions[id]!.status))}`);
    clock.increment(stepMs);
  }
  throw new Error(`thread ${threadId} not settled after ${maxSteps} clock steps`);
}

/** Every event of `thread-<threadId>` (empty when the stream does not exist). */
export async function readThread(store: EventStore, threadId: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  try {
    for await (const e of store.readStream(`thread-${threadId}`)) out.push(e);
  } catch (err) {
    if (!isStreamNotFoundError(err)) throw err;
  }
  return out;
}

/** A runtime on an in-memory store with a SimulatedClock, sequential ids and the test actions. */
export function harness(
  options: {
    planner?: Planner;
    script?: PlannerOutput[] | ((req: PlanningRequest) => PlannerOutput | Promise<PlannerOutput>);
    log?: InMemoryLog;
    clock?: SimulatedClock;
    seed?: number;
    hashEvery?: number;
    policies?: RuntimeOptions['policies'];
    actions?: ReturnType<typeof testActions>;
    leases?: RuntimeOptions['leases'];
    ownership?: RuntimeOptions['ownership'];
    maxIdleThreads?: number;
    snapshotCache?: RuntimeOptions['snapshotCache'];
    snapshotEvery?: number;
    /** Wraps the runtime's store (fault injection); the harness's `store` is the wrapped one. */
    wrapStore?: (store: EventStore) => EventStore;
  } = {},
) {
  const clock = options.clock ?? new SimulatedClock();
  const log = options.log ?? createInMemoryLog();
  const inner = getInMemoryEventStore({ codec: factCodec, clock, log });
  const store = options.wrapStore ? options.wrapStore(inner) : inner;
  const acts = options.actions ?? testActions();
  const planner = options.planner ? countingPlanner(options.planner) : scriptedPlanner(options.script ?? [{ kind: 'done', answer: 'done' }]);
  const rt = createRuntime({
    store,
    actions: acts.registry,
    plannerFor: () => planner,
    clock,
    ids: sequentialIds(options.seed ?? 1),
    ...(options.hashEvery !== undefined ? { hashEvery: options.hashEvery } : {}),
    ...(options.policies ? { policies: options.policies } : {}),
    ...(options.leases ? { leases: options.leases } : {}),
    ...(options.ownership ? { ownership: options.ownership } : {}),
    ...(options.maxIdleThreads !== undefined ? { maxIdleThreads: options.maxIdleThreads } : {}),
    ...(options.snapshotCache ? { snapshotCache: options.snapshotCache } : {}),
    ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}),
  });
  return { clock, log, store, rt, planner, ...acts };
}

/** A plan output of steps (defaults filled by the normaliser). */
export function planOf(steps: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): PlannerOutput {
  return { kind: 'mini_plan', plan: { steps, ...extra } } as unknown as PlannerOutput;
}

/** Captures a rejection (or fails the test if `p` resolves). */
export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** Waits (event-loop turns, not time) until `cond` holds. */
export async function until(cond: () => boolean, turns = 500): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

/** Checks a thread's log: no input, planner answer or step outcome recorded twice. */
export function assertNoDuplicates(events: RecordedEvent[]): void {
  const seen = new Set<string>();
  for (const e of events) {
    const d = e.data as Record<string, unknown>;
    let key: string | undefined;
    if (e.type === 'InputReceived') key = `in/${String(d.inputId)}`;
    if (e.type === 'PolicyApplied') key = `pa/${String(d.inputId)}`;
    if (e.type === 'PlannerResponded' || e.type === 'PlanningRequested') key = `${e.type}/${String(d.interactionId)}/${String(d.iteration)}`;
    if (e.type === 'StepStarted' || e.type === 'StepCompleted') key = `${e.type}/${String(d.interactionId)}/${String(d.planId)}/${String(d.stepId)}/${String(d.attempt)}`;
    if (e.type === 'InteractionStarted' || e.type === 'InteractionCompleted') key = `${e.type}/${String(d.interactionId)}`;
    if (key === undefined) continue;
    expect(seen.has(key), `duplicate ${key} at revision ${e.revision}`).toBe(false);
    seen.add(key);
  }
  expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
}
