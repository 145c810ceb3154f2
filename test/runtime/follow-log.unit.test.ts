/**
 * The log follower: heads past the runner's revision post one sync at a time; a subscription that
 * errors is opened again after a delay doubling from 100 ms to 5 s (reset by a head), from the
 * runner's revision then; a closed store or the stop function ends following.
 */
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { SimulatedClock } from '../../src/core/clock.ts';
import { StoreClosedError } from '../../src/store/errors.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import type { ThreadRunner } from '../../src/runtime/thread-runner.ts';
import { followLog } from '../../src/runtime/follow-log.ts';
import { BACKOFF_FIRST_MS as FOLLOW_RETRY_FIRST_MS, BACKOFF_MAX_MS as FOLLOW_RETRY_MAX_MS } from '../../src/core/backoff.ts';

/** A store whose every watch is a Subject the test drives; records the revision each watch starts after. */
function fakeStore() {
  const watches: Array<{ after: bigint; heads: Subject<bigint> }> = [];
  const store = {
    watchStreamHead(_streamId: string, options?: { afterRevision?: bigint }) {
      const heads = new Subject<bigint>();
      watches.push({ after: options?.afterRevision ?? -1n, heads });
      return heads.asObservable();
    },
  } as unknown as EventStore;
  const last = () => watches[watches.length - 1]!.heads;
  return { store, watches, last };
}

/** A runner that records its sync messages; `fold` runs the oldest one's decide at `revision`. */
function fakeRunner(revision: bigint) {
  const posted: Array<{ sync?: boolean; decide: () => unknown }> = [];
  const runner = {
    threadId: 't',
    state: { revision },
    post(m: { sync?: boolean; decide: () => unknown }) {
      posted.push(m);
    },
  };
  const fold = async (to: bigint) => {
    runner.state.revision = to;
    posted.shift()!.decide();
    await Promise.resolve();
  };
  return { runner: runner as unknown as ThreadRunner, posted, fold, setRevision: (r: bigint) => (runner.state.revision = r) };
}

describe('followLog', () => {
  it('posts one sync for heads past the revision, another for heads that arrived meanwhile', async () => {
    const { store, last } = fakeStore();
    const r = fakeRunner(4n);
    followLog(store, r.runner, new SimulatedClock());
    last().next(4n);
    expect(r.posted).toHaveLength(0);
    last().next(5n);
    last().next(6n);
    expect(r.posted).toHaveLength(1);
    expect(r.posted[0]!.sync).toBe(true);
    last().next(7n);
    await r.fold(6n); // folded up to 6 while 7 was told
    expect(r.posted).toHaveLength(1);
    await r.fold(7n);
    expect(r.posted).toHaveLength(0);
  });

  it('opens the watch again after an error, from the runner revision then, with delays doubling up to the maximum', () => {
    const clock = new SimulatedClock();
    const { store, watches, last } = fakeStore();
    const r = fakeRunner(2n);
    followLog(store, r.runner, clock);
    const expected: number[] = [];
    for (let d = FOLLOW_RETRY_FIRST_MS, i = 0; i < 8; i++, d = Math.min(d * 2, FOLLOW_RETRY_MAX_MS)) expected.push(d);
    expect(expected.at(-1)).toBe(FOLLOW_RETRY_MAX_MS); // the schedule reaches its cap
    for (const [i, delay] of expected.entries()) {
      r.setRevision(BigInt(10 + i));
      last().error(new Error('connection lost'));
      clock.increment(delay - 1);
      expect(watches).toHaveLength(i + 1);
      clock.increment(1);
      expect(watches).toHaveLength(i + 2);
      expect(watches[i + 1]!.after).toBe(BigInt(10 + i));
    }
  });

  it('a head told resets the delay; a head past the revision after a resubscription posts a sync', () => {
    const clock = new SimulatedClock();
    const { store, watches, last } = fakeStore();
    const r = fakeRunner(2n);
    followLog(store, r.runner, clock);
    last().error(new Error('scan failed'));
    clock.increment(FOLLOW_RETRY_FIRST_MS);
    last().error(new Error('scan failed'));
    clock.increment(2 * FOLLOW_RETRY_FIRST_MS);
    expect(watches).toHaveLength(3);
    last().next(3n); // appended during the outage: told at resubscription
    expect(r.posted).toHaveLength(1);
    last().error(new Error('scan failed'));
    clock.increment(FOLLOW_RETRY_FIRST_MS);
    expect(watches).toHaveLength(4);
  });

  it('a closed store ends following; so does the stop function, also during a delay', () => {
    const clock = new SimulatedClock();
    const closedCase = fakeStore();
    followLog(closedCase.store, fakeRunner(0n).runner, clock);
    closedCase.last().error(new StoreClosedError('memory:'));
    clock.increment(FOLLOW_RETRY_MAX_MS * 2);
    expect(closedCase.watches).toHaveLength(1);

    const stopped = fakeStore();
    const r = fakeRunner(0n);
    const stop = followLog(stopped.store, r.runner, clock);
    stopped.last().error(new Error('connection lost'));
    expect(clock.pendingTimers()).toBe(1);
    stop();
    expect(clock.pendingTimers()).toBe(0); // the delay's timer is cleared
    clock.increment(FOLLOW_RETRY_MAX_MS * 2);
    expect(stopped.watches).toHaveLength(1);

    const live = fakeStore();
    const r2 = fakeRunner(0n);
    const stop2 = followLog(live.store, r2.runner, clock);
    stop2();
    expect(live.last().observed).toBe(false); // unsubscribed
    live.last().next(5n);
    expect(r2.posted).toHaveLength(0);
  });
});
