/**
 * Model-based test (fast-check `fc.commands`): random sequences of inputs, step results, approvals,
 * cancels, interrupts/resumes, clock ticks and crashes (drop the runtime, rehydrate from the store).
 * After every run:
 * - every state the runtime committed equals the fold of the log at that revision (same hash), and
 *   the whole log replays with `verify` (no illegal transition was ever appended);
 * - policy invariants hold at every revision: `reject`, `enqueue` and `interrupt` never have two live
 *   interactions; `enqueue` starts interactions in the FIFO order of their inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import type { PolicySpec } from '../../src/facts/facts/thread-facts.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import type { PlanningRequest } from '../../src/planner/planner.ts';
import { replayThread } from '../../src/history/replay.ts';
import { applyFact, hashThreadState, initialThreadState } from '../../src/history/fold/thread-state.ts';
import { threadView } from '../../src/history/fold/views.ts';
import { createInMemoryLog, type InMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { harness, planOf, readThread, scriptedPlanner, testActions } from './runtime-fixtures.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';

/**
 * Plans one gated step on the first call, then done. Inputs saying `approve` get a whole-plan gate
 * (`approve timeout`: expiring after 1 s); `step` a step gate (expiring after 1 s too).
 */
const planner = () =>
  scriptedPlanner((req: PlanningRequest) =>
    req.observations.length === 0
      ? planOf([{ id: 'g', action: 't.gate', requiresApproval: req.input.includes('step') }], {
          requiresApproval: req.input.includes('approve'),
          ...(req.input.includes('timeout') || req.input.includes('step') ? { approvalTimeoutMs: 1_000 } : {}),
        })
      : { kind: 'done', answer: `done ${req.input}` },
  );

interface Real {
  log: InMemoryLog;
  clock: SimulatedClock;
  actions: ReturnType<typeof testActions>;
  planner: ReturnType<typeof planner>;
  h: ReturnType<typeof harness>;
  seed: number;
  /** hash of every committed state, by revision */
  hashes: Map<bigint, string>;
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
};

function boot(r: Real): void {
  r.seed += 1;
  r.h = harness({ log: r.log, clock: r.clock, actions: r.actions, planner: r.planner, seed: r.seed });
}

async function watch(r: Real): Promise<void> {
  await r.h.rt.load('t');
  r.h.rt.state$('t').subscribe((s) => r.hashes.set(s.revision, hashThreadState(summaryState(s))));
}

type Cmd = fc.AsyncCommand<object, Real>;
const swallow = (p: Promise<unknown>): Promise<void> => p.then(() => undefined, () => undefined);

const cmd = (name: string, run: (r: Real) => Promise<void>): Cmd => ({
  check: () => true,
  run: async (_m, r) => {
    await run(r);
    await flush();
  },
  toString: () => name,
});

const send = fc.constantFrom('plain', 'approve', 'approve timeout', 'step').map((text) => cmd(`send(${text})`, (r) => swallow(r.h.rt.send('t', text))));
const release = fc.boolean().map((ok) =>
  cmd(`release(${ok})`, async (r) => {
    const key = [...r.actions.gate.pending.keys()][0];
    if (key === undefined) return;
    if (ok) r.actions.gate.release(key);
    else r.actions.gate.fail(key, Object.assign(new Error('gate failed'), { retryable: false }));
  }),
);

/** Pending approvals of live interactions: [approvalId, isStepGate]. */
const pendingOf = (r: Real): Array<[string, boolean]> => {
  const s = r.h.rt.state('t');
  return s.live.flatMap((id) => s.interactions[id]!.pendingApprovals.map((a): [string, boolean] => [a, a.includes('.step.')]));
};

const commands = [
  send,
  send,
  send,
  release,
  release,
  fc.boolean().map((grant) =>
    cmd(`decide(${grant})`, async (r) => {
      const [pending] = pendingOf(r)[0] ?? [];
      if (pending === undefined) return;
      await swallow(grant ? r.h.rt.approve('t', pending, { by: 'm' }) : r.h.rt.reject('t', pending, { by: 'm' }));
    }),
  ),
  fc.nat(3).map((i) => cmd(`cancel(i${i + 1})`, (r) => swallow(r.h.rt.cancel('t', { interactionId: `i${i + 1}`, reason: 'model' })))),
  fc.nat(3).map((i) => cmd(`interrupt(i${i + 1})`, (r) => swallow(r.h.rt.interrupt('t', `i${i + 1}`, { kind: 'user_request' })))),
  fc.constant(cmd('resume', (r) => swallow(r.h.rt.resume('t')))),
  fc.constant(cmd('tick', async (r) => r.clock.increment(600))),
  fc.constant(
    cmd('crash', async (r) => {
      await r.h.rt.close();
      boot(r);
      await watch(r);
    }),
  ),
];

/**
 * Liveness: releasing every gate, granting every approval and resuming everything lets every
 * interaction end (there is no input request in this model), and the runtime never failed.
 */
async function drain(r: Real): Promise<void> {
  for (let i = 0; i < 40; i++) {
    for (const k of [...r.actions.gate.pending.keys()]) r.actions.gate.release(k);
    for (const [a] of pendingOf(r)) await swallow(r.h.rt.approve('t', a, { by: 'drain' }));
    await swallow(r.h.rt.resume('t'));
    r.clock.increment(600);
    await flush();
    await Promise.race([r.h.rt.whenIdle('t'), flush()]); // whenIdle rejects at once if the runtime failed
    const s = r.h.rt.state('t');
    if (s.live.length === 0 && s.queue.length === 0 && r.actions.gate.pending.size === 0) return;
  }
  const s = r.h.rt.state('t');
  throw new Error(`not drained: ${JSON.stringify(s.live.map((id) => s.interactions[id]!.status))}, queue ${s.queue.length}`);
}

/** Checks policy invariants over every prefix of the log, and that live states match the fold. */
async function checkRun(r: Real, policy: PolicySpec): Promise<void> {
  const events = await readThread(r.h.store, 't');
  let state = initialThreadState('t');
  const startOrder: string[] = [];
  const decidedOrder: string[] = [];
  for (const e of events) {
    state = applyFact(state, { type: e.type, data: e.data } as Fact, e.revision);
    const live = r.hashes.get(e.revision);
    if (live !== undefined) expect(live, `state at revision ${e.revision}`).toBe(hashThreadState(state));
    if (policy.kind !== 'parallel') expect(threadView(state).live.length, `live at revision ${e.revision}`).toBeLessThanOrEqual(1);
    const d = e.data as { inputId?: string; decision?: string };
    if (e.type === 'PolicyApplied' && (d.decision === 'start' || d.decision === 'enqueue' || d.decision === 'interrupt')) decidedOrder.push(d.inputId!);
    if (e.type === 'InteractionStarted') startOrder.push(d.inputId!);
  }
  if (policy.kind === 'enqueue') expect(startOrder).toEqual(decidedOrder.slice(0, startOrder.length));
  await replayThread(r.h.store, 't', { verify: true });
}

describe('model-based: random commands and crashes', () => {
  const policies: PolicySpec[] = [{ kind: 'enqueue' }, { kind: 'reject' }, { kind: 'interrupt' }, { kind: 'steer' }, { kind: 'parallel', max: 2 }];
  for (const policy of policies) {
    it(`live state equals replayed state at every offset; invariants hold (${policy.kind})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
          const r = { log: createInMemoryLog(), clock: new SimulatedClock(), actions: testActions(), planner: planner(), seed: 0, hashes: new Map() } as unknown as Real;
          boot(r);
          await r.h.rt.openThread({ threadId: 't', policy, maxIterations: 3 });
          await watch(r);
          await fc.asyncModelRun(() => ({ model: {}, real: r }), cmds);
          await flush();
          await drain(r);
          await checkRun(r, policy);
          await r.h.rt.close();
        }),
        { numRuns: 15 },
      );
    });
  }
});
