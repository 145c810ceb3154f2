/** fast-check arbitraries for random DAG plans (step i may depend on steps with a smaller index). */
import fc from 'fast-check';

export interface DagStep {
  id: string;
  dependsOn: string[];
}

/** A random DAG of 1..maxSteps steps, listed in a random order (plan order ≠ dependency order). */
export function dagArb(maxSteps = 25): fc.Arbitrary<DagStep[]> {
  return fc.integer({ min: 1, max: maxSteps }).chain((n) =>
    fc
      .tuple(
        fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
        fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      )
      .map(([adj, order]) => {
        const steps = [...Array(n).keys()].map((i) => ({
          id: `s${i}`,
          dependsOn: [...Array(i).keys()].filter((j) => adj[i]![j]).map((j) => `s${j}`),
        }));
        return order.map((i) => steps[i]!);
      }),
  );
}

/** Transitive dependencies by brute force (fixpoint). */
export function closure(steps: readonly DagStep[]): Map<string, Set<string>> {
  const m = new Map(steps.map((s) => [s.id, new Set(s.dependsOn)]));
  let changed = true;
  while (changed) {
    changed = false;
    for (const set of m.values()) {
      for (const d of [...set]) {
        for (const a of m.get(d) ?? []) {
          if (!set.has(a)) {
            set.add(a);
            changed = true;
          }
        }
      }
    }
  }
  return m;
}
