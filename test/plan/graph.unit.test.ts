import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ancestorIndex, findCycle, isAncestor, stepAncestors, topologicalOrder } from '../../src/plan/graph.ts';
import { closure, dagArb } from './dag-arbitrary.ts';

const s = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });

describe('plan graph helpers', () => {
  it('findCycle names the cycle following dependsOn, or undefined for a DAG', () => {
    expect(findCycle([s('a'), s('b', 'a'), s('c', 'a', 'b')])).toBeUndefined();
    expect(findCycle([s('a', 'b'), s('b', 'c'), s('c', 'a')])).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle([s('x'), s('a', 'a')])).toEqual(['a', 'a']);
    expect(findCycle([s('r', 'a'), s('a', 'b'), s('b', 'a')])).toEqual(['a', 'b', 'a']);
  });

  it('topologicalOrder puts dependencies first and keeps plan order among ready steps', () => {
    expect(topologicalOrder([s('c', 'a'), s('b'), s('a'), s('d', 'b', 'c')])).toEqual(['b', 'a', 'c', 'd']);
    expect(() => topologicalOrder([s('a', 'b'), s('b', 'a')])).toThrow(/cycle/);
  });

  it('stepAncestors and isAncestor', () => {
    const steps = [s('a'), s('b', 'a'), s('c', 'b'), s('d')];
    const anc = stepAncestors(steps);
    expect([...anc.get('c')!].sort()).toEqual(['a', 'b']);
    expect([...anc.get('d')!]).toEqual([]);
    const deps = new Map(steps.map((x) => [x.id, x.dependsOn]));
    expect(isAncestor(deps, 'c', 'a')).toBe(true);
    expect(isAncestor(deps, 'a', 'c')).toBe(false);
    expect(isAncestor(deps, 'a', 'a')).toBe(false);
  });

  it('handles a 5000-deep chain without recursion limits', () => {
    const chain = Array.from({ length: 5000 }, (_, i) => (i === 0 ? s('n0') : s(`n${i}`, `n${i - 1}`)));
    expect(findCycle(chain)).toBeUndefined();
    expect(topologicalOrder([...chain].reverse())[4999]).toBe('n4999');
    chain[0] = s('n0', 'n4999');
    expect(findCycle(chain)).toHaveLength(5001);
  });

  it('property: on random DAGs, no cycle; the order respects every edge; ancestors (all three helpers) = transitive closure', () => {
    fc.assert(
      fc.property(dagArb(), (steps) => {
        expect(findCycle(steps)).toBeUndefined();
        const order = topologicalOrder(steps);
        expect([...order].sort()).toEqual(steps.map((x) => x.id).sort());
        const pos = new Map(order.map((id, i) => [id, i]));
        for (const st of steps) for (const d of st.dependsOn) expect(pos.get(d)!).toBeLessThan(pos.get(st.id)!);
        const anc = stepAncestors(steps);
        const want = closure(steps);
        const deps = new Map(steps.map((x) => [x.id, x.dependsOn]));
        const idx = ancestorIndex(steps);
        for (const st of steps) {
          expect([...anc.get(st.id)!].sort()).toEqual([...want.get(st.id)!].sort());
          for (const other of steps) {
            expect(isAncestor(deps, st.id, other.id)).toBe(want.get(st.id)!.has(other.id));
            expect(idx.isAncestor(st.id, other.id)).toBe(want.get(st.id)!.has(other.id));
          }
        }
      }),
    );
  });
});
