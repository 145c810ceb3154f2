/**
 * fast-check arbitraries of plans: DAGs of steps (`dependsOn` only on earlier steps, so every
 * generated plan is acyclic), with the actions, approvals, retries and priorities you allow.
 * Generated plans are plan *inputs* (`PlanSpecInput`): give them to `createStaticPlanner` or return
 * them from a scripted planner (`{ kind: 'mini_plan', plan }`).
 */
import { dependencyIds } from '../plan/dependencies.ts';
import fc from 'fast-check';
import type { PlanSpecInput, StepSpecInput } from '../plan/plan-schema.ts';

/** Options of `planArbitrary`. */
export interface PlanArbitraryOptions {
  /** Actions steps may use, with an input arbitrary each (default: `echo` with `{ n: <int> }`). */
  actions?: Record<string, fc.Arbitrary<Record<string, unknown>>>;
  /** Steps per plan (default 1–8). */
  minSteps?: number;
  maxSteps?: number;
  /** Largest number of dependencies of one step (default 3). */
  maxDependencies?: number;
  /** Whether steps (and the plan) may ask for approval (default false). */
  approvals?: boolean;
  /** Whether steps may carry a retry policy (default true). */
  retries?: boolean;
  /** Whether the failure policy may be `continue` as well as `fail_fast` (default true). */
  failurePolicies?: boolean;
}

/** The default actions: `echo` with a small object input. */
const defaultActions = (): Record<string, fc.Arbitrary<Record<string, unknown>>> => ({ echo: fc.record({ n: fc.integer({ min: 0, max: 99 }) }) });

/**
 * Plans whose steps are `s0 … s(n-1)`; step i depends on a subset of `s0 … s(i-1)` (at most
 * `maxDependencies`). Shrinks towards fewer steps, fewer dependencies and no options.
 */
export function planArbitrary(options: PlanArbitraryOptions = {}): fc.Arbitrary<PlanSpecInput> {
  const actions = options.actions ?? defaultActions();
  const names = Object.keys(actions);
  if (names.length === 0) throw new RangeError('planArbitrary: no actions to choose from');
  const maxDeps = options.maxDependencies ?? 3;
  const step = (i: number): fc.Arbitrary<StepSpecInput> =>
    fc.constantFrom(...names).chain((action) =>
      fc.record(
        {
          input: actions[action]!,
          dependsOn: i === 0 ? fc.constant<string[]>([]) : fc.uniqueArray(fc.nat(i - 1), { maxLength: Math.min(maxDeps, i) }).map((d) => d.sort((a, b) => a - b).map((j) => `s${j}`)),
          priority: fc.integer({ min: 0, max: 3 }),
          ...(options.retries !== false ? { retry: fc.record({ maxAttempts: fc.integer({ min: 1, max: 3 }), backoffMs: fc.constantFrom(0, 100, 1000) }) } : {}),
          ...(options.approvals ? { requiresApproval: fc.boolean() } : {}),
        },
        { requiredKeys: ['input', 'dependsOn'] },
      ).map((rest): StepSpecInput => ({ id: `s${i}`, action, ...rest })),
    );
  return fc
    .integer({ min: options.minSteps ?? 1, max: options.maxSteps ?? 8 })
    .chain((n) =>
      fc.record(
        {
          steps: fc.tuple(...Array.from({ length: n }, (_, i) => step(i))),
          maxConcurrency: fc.integer({ min: 1, max: 4 }),
          ...(options.failurePolicies !== false ? { failurePolicy: fc.constantFrom('fail_fast' as const, 'continue' as const) } : {}),
          ...(options.approvals ? { requiresApproval: fc.boolean() } : {}),
        },
        { requiredKeys: ['steps'] },
      ),
    )
    .map((plan): PlanSpecInput => ({ ...plan, steps: [...plan.steps] }));
}

/** The steps of `plan` in an order where every step comes after its dependencies (plan order is one). */
export function dependencyOrder(plan: PlanSpecInput): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const pending = [...plan.steps];
  while (pending.length > 0) {
    const i = pending.findIndex((s) => dependencyIds(s.dependsOn ?? []).every((d) => done.has(d)));
    if (i < 0) throw new RangeError(`dependencyOrder: a cycle or a missing step among ${pending.map((s) => s.id).join(', ')}`);
    const [s] = pending.splice(i, 1);
    done.add(s!.id);
    order.push(s!.id);
  }
  return order;
}
