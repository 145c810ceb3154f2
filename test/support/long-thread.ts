/**
 * A legal synthetic thread (bench/support/synthetic-thread.ts, as bench/replay builds): `interactions` interactions, each planning one
 * plan of `steps` chained steps that all complete, then done. Facts validated (defaults filled) as
 * a store reader sees them. Actors: 1 + interactions × (1 + steps).
 */
import type { Fact, FactInput } from '../../src/facts/fact-types.ts';
import { validateFact } from '../../src/facts/fact-codec.ts';
import { syntheticInteractionFacts, threadOpenedFact } from '../../bench/support/synthetic-thread.ts';

/** The facts of thread `threadId` (see the module doc). @throws Error a fact fails its schema (a bug here). */
export function longThreadFacts(threadId: string, interactions: number, steps: number): Fact[] {
  const raw: FactInput[] = [threadOpenedFact(threadId)];
  for (let n = 1; n <= interactions; n++) raw.push(...syntheticInteractionFacts(n, steps, 't', n));
  return raw.map(({ type, data }) => {
    const parsed = validateFact(type, data);
    if (!parsed.ok) throw new Error(`${type}: ${JSON.stringify(parsed.issues)}`);
    return { type, data: parsed.data } as Fact;
  });
}
