/**
 * The fold's step change log (src/history/fold/thread-state.ts `stepLogMark` / `stepKeysChangedSince`),
 * which lets planRunView update a plan's step record in O(changes): every step whose snapshot
 * changed since a mark must be listed, across fold-session peeks, sealed states and applyFacts;
 * a mark of another lineage must answer `undefined` (the caller then compares every step).
 */
import { describe, expect, it } from 'vitest';
import { logStepWrite, startStepLog, stepKeysChangedSince, stepLogMark } from '../../src/history/fold/step-log.ts';
import { applyFacts, foldSession, initialThreadState, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';

const history = loadHistoryFixture('basic-thread');
const facts = history.facts;

/** Keys whose snapshot object differs between two step records (added keys included). */
function differing(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(after).filter((k) => before[k] !== after[k]);
}

describe('step change log', () => {
  it('lists every step changed since a mark taken on a peek, one fact at a time and over several facts', () => {
    const session = foldSession(initialThreadState(history.threadId));
    const marks: Array<{ mark: ReturnType<typeof stepLogMark>; steps: Record<string, unknown> }> = [];
    let checked = 0;
    facts.forEach((f, i) => {
      session.apply(f);
      const now = session.peek().steps;
      for (const m of marks.slice(-5)) {
        const changed = stepKeysChangedSince(now, m.mark);
        expect(changed).toBeDefined();
        expect(new Set(changed)).toEqual(new Set([...new Set(changed)].filter((k) => k in now)));
        for (const k of differing(m.steps, now)) expect(changed).toContain(k);
        checked++;
      }
      marks.push({ mark: stepLogMark(now), steps: { ...now } }); // a copy: the peeked record changes on
      if (i % 5 === 0) session.state(); // sealing makes the next write copy the record (a new log link)
    });
    expect(checked).toBeGreaterThan(50);
  });

  it('follows applyFacts from a sealed state, and says nothing empty when nothing changed', () => {
    const cut = Math.floor(facts.length / 2);
    const mid = applyFacts(initialThreadState(history.threadId), facts.slice(0, cut));
    const mark = stepLogMark(mid.steps);
    expect(stepKeysChangedSince(mid.steps, mark)).toEqual([]);
    const end = applyFacts(mid, facts.slice(cut));
    const changed = stepKeysChangedSince(end.steps, mark);
    expect(changed).toBeDefined();
    for (const k of differing(mid.steps, end.steps)) expect(changed).toContain(k);
  });

  it('answers undefined for a mark of another lineage or of a later position', () => {
    const a = applyFacts(initialThreadState(history.threadId), facts);
    const b = applyFacts(initialThreadState(history.threadId), facts);
    expect(stepKeysChangedSince(b.steps, stepLogMark(a.steps))).toBeUndefined();
    const handMade: ThreadState = { ...a, steps: { ...a.steps } }; // no log of its own
    expect(stepKeysChangedSince(handMade.steps, stepLogMark(a.steps))).toBeUndefined();
    const early = applyFacts(initialThreadState(history.threadId), facts.slice(0, Math.floor(facts.length / 2)));
    const later = applyFacts(early, facts.slice(Math.floor(facts.length / 2)));
    expect(stepKeysChangedSince(early.steps, stepLogMark(later.steps))).toBeUndefined();
  });

  it('keeps a bounded chain of logs: marks of the last 64 records are followed, links further back are cut', () => {
    // A lineage of 300 records, one write each (as a runner's cycles make them, one per append).
    const recs: Array<Record<string, unknown>> = [{}];
    for (let i = 1; i <= 300; i++) {
      const rec: Record<string, unknown> = {};
      startStepLog(rec, recs[i - 1]!);
      logStepWrite(rec, `k${i}`);
      recs.push(rec);
    }
    const keys = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `k${from + i + 1}`);
    for (const back of [1, 10, 63]) expect(stepKeysChangedSince(recs[300]!, stepLogMark(recs[300 - back]!))).toEqual(keys(300 - back, 300));
    // The link from the 64th record to the 63rd was cut once 128 records followed the first:
    // nothing before it stays reachable from the newest records.
    expect(stepKeysChangedSince(recs[62]!, stepLogMark(recs[60]!))).toEqual(keys(60, 62));
    expect(stepKeysChangedSince(recs[70]!, stepLogMark(recs[60]!))).toBeUndefined();
  });
});
