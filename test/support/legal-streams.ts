/**
 * The legal thread streams of a generated fact history (`factHistoryArbitrary`, src/testing): its
 * facts grouped by stream, each cut at its first fact the machines refuse (the generator's histories
 * are plausible, not always legal).
 */
import type { Fact, RecordedFact } from '../../src/facts/fact-types.ts';
import { applyFact, initialThreadState } from '../../src/history/fold/thread-state.ts';

/** Each thread stream of `facts` (thread id without the `thread-` prefix), cut at its first refused fact. */
export function legalStreams(facts: readonly RecordedFact[]): Array<{ threadId: string; facts: Fact[] }> {
  const streams = new Map<string, Fact[]>();
  for (const f of facts) {
    if (!streams.has(f.streamId)) streams.set(f.streamId, []);
    streams.get(f.streamId)!.push({ type: f.type, data: f.data } as Fact);
  }
  return [...streams].map(([streamId, stream]) => {
    const threadId = streamId.replace(/^thread-/, '');
    let state = initialThreadState(threadId);
    let n = 0;
    for (; n < stream.length; n++) {
      try {
        state = applyFact(state, stream[n]!, BigInt(n));
      } catch {
        break;
      }
    }
    return { threadId, facts: stream.slice(0, n) };
  });
}
