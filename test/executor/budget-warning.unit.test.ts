/**
 * The budget warning's threshold: BudgetWarned once spend reaches `warnAt × limit`, compared with a
 * tolerance of 1e-9 USD — so float noise in a running sum (0.001 + 0.01 + 0.01 = 0.020999…98) still
 * warns at 0.021, while a spend really below the threshold (by more than the tolerance) does not.
 */
import { describe, expect, it } from 'vitest';
import { budgetWarning } from '../../src/executor/budget.ts';
import type { BudgetView } from '../../src/executor/plan-run-view.ts';
import { harness, planOf, readThread, settle } from '../runtime/runtime-fixtures.ts';

const budget = (spentUsd: number, rest: Partial<BudgetView> = {}): BudgetView => ({
  limitUsd: 1, warnAt: 0.8, onExceed: 'approve', spentUsd, reservedUsd: 0, warned: false, ...rest,
});

describe('budget warning threshold', () => {
  it('warns when the spend reaches warnAt × limit, within 1e-9 USD of float noise', () => {
    expect(0.1 + 0.7).toBeLessThan(0.8); // the noise the tolerance is for
    expect(budgetWarning(budget(0.1 + 0.7))).toEqual({ type: 'BudgetWarned', data: { spentUsd: 0.1 + 0.7, limitUsd: 1 } });
    expect(budgetWarning(budget(0.8))).toBeDefined();
    expect(budgetWarning(budget(0.8 - 0.5e-9))).toBeDefined();
    expect(0.8 - 1e-9 + 1e-9).toBe(0.8); // exactly the tolerance below: still warns
    expect(budgetWarning(budget(0.8 - 1e-9))).toBeDefined();
    expect(budgetWarning(budget(0.95))).toBeDefined();
  });

  it('does not warn below the threshold by more than the tolerance, nor twice', () => {
    expect(budgetWarning(budget(0.8 - 2e-9))).toBeUndefined();
    expect(budgetWarning(budget(0.8 - 1e-6))).toBeUndefined();
    expect(budgetWarning(budget(0.79))).toBeUndefined();
    expect(budgetWarning(budget(0.9, { warned: true }))).toBeUndefined();
    expect(budgetWarning(undefined)).toBeUndefined();
  });

  it('the runtime records BudgetWarned when a noisy running sum reaches the threshold', async () => {
    // planner 0.001 + two t.ok steps at 0.01 = 0.020999999999999998 < 0.021 = 0.5 × 0.042
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok' }, { id: 'b', action: 't.ok', dependsOn: ['a'] }]), { kind: 'done', answer: 'ok' }] });
    await h.rt.openThread({ threadId: 't', budget: { limitUsd: 0.042, warnAt: 0.5 } });
    await h.rt.send('t', 'go');
    await settle(h.rt, 't', h.clock);
    const facts = await readThread(h.store, 't');
    const warned = facts.filter((e) => e.type === 'BudgetWarned');
    expect(warned.map((e) => e.data)).toEqual([{ spentUsd: 0.001 + 0.01 + 0.01, limitUsd: 0.042 }]);
    await h.rt.close();
  });
});
