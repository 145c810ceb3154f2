/** The stream head hub (src/store/stream-head-hub.ts) over a scripted log: one scan per signal batch, whatever the watchers. */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createStreamHeadHub, type HeadHubSource } from '../../src/store/stream-head-hub.ts';

/** A log of (stream, revision) by position, with counters of the source calls. */
function scriptedLog() {
  const log: Array<[string, bigint]> = [];
  const signals = new Subject<void>();
  const calls = { scans: 0, heads: 0, positions: 0, scannedAfter: [] as bigint[] };
  let failScan: Error | undefined;
  const source: HeadHubSource = {
    signals,
    position: () => {
      calls.positions++;
      return BigInt(log.length - 1);
    },
    scan: (after) => {
      calls.scans++;
      calls.scannedAfter.push(after);
      if (failScan) throw failScan;
      const last = new Map<string, bigint>();
      for (let p = Number(after) + 1; p < log.length; p++) last.set(log[p]![0], log[p]![1]);
      return { position: BigInt(log.length - 1), heads: [...last] };
    },
    head: (streamId) => {
      calls.heads++;
      let head: bigint | undefined;
      for (const [s, r] of log) if (s === streamId) head = r;
      return head;
    },
  };
  const append = (streamId: string, n = 1): void => {
    for (let i = 0; i < n; i++) {
      let head = -1n;
      for (const [s, r] of log) if (s === streamId) head = r;
      log.push([streamId, head + 1n]);
    }
    signals.next();
  };
  return { source, signals, calls, append, failScanWith: (e: Error | undefined) => (failScan = e) };
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('stream head hub', () => {
  it('answers a commit with one scan for all watchers, telling only the watchers of the streams that grew', async () => {
    const l = scriptedLog();
    const hub = createStreamHeadHub(l.source);
    const seen = new Map<string, bigint[]>();
    const subs = Array.from({ length: 100 }, (_, i) => hub.watch(`s${i}`, -1n).subscribe((v) => seen.set(`s${i}`, [...(seen.get(`s${i}`) ?? []), v])));
    expect(l.calls.heads).toBe(100); // the head at subscription, once each
    l.append('s7');
    l.append('s7'); // a second signal before the scan: one scan for both
    l.append('unwatched');
    await macrotask();
    expect(l.calls.scans).toBe(1);
    expect([...seen]).toEqual([['s7', [1n]]]);
    l.append('s3', 2);
    await macrotask();
    expect(l.calls.scans).toBe(2);
    expect(seen.get('s3')).toEqual([1n]);
    expect(l.calls.heads).toBe(100); // no lookup per watcher after commits
    expect(l.calls.scannedAfter).toEqual([-1n, 2n]); // each scan starts where the last one ended
    for (const s of subs) s.unsubscribe();
  });

  it('emits the head at subscription when past afterRevision, then only higher heads; two watchers of one stream each get theirs', async () => {
    const l = scriptedLog();
    l.append('s', 3);
    const hub = createStreamHeadHub(l.source);
    const a: bigint[] = [];
    const b: bigint[] = [];
    const sa = hub.watch('s', 1n).subscribe((v) => a.push(v));
    const sb = hub.watch('s', 2n).subscribe((v) => b.push(v));
    expect(a).toEqual([2n]);
    expect(b).toEqual([]);
    l.append('s');
    await macrotask();
    expect(a).toEqual([2n, 3n]);
    expect(b).toEqual([3n]);
    sa.unsubscribe();
    l.append('s');
    await macrotask();
    expect(a).toEqual([2n, 3n]);
    expect(b).toEqual([3n, 4n]);
    sb.unsubscribe();
  });

  it('listens to the signals only while a watcher is open, and starts again from the log as it is then', async () => {
    const l = scriptedLog();
    const hub = createStreamHeadHub(l.source);
    const first = hub.watch('s', -1n).subscribe();
    expect(l.signals.observed).toBe(true);
    first.unsubscribe();
    expect(l.signals.observed).toBe(false);
    l.append('s', 2); // nobody watching: no scan
    await macrotask();
    expect(l.calls.scans).toBe(0);
    const seen: bigint[] = [];
    const again = hub.watch('s', -1n).subscribe((v) => seen.push(v));
    expect(seen).toEqual([1n]); // the lookup at subscription saw what was committed meanwhile
    l.append('s');
    await macrotask();
    expect(seen).toEqual([1n, 2n]);
    expect(l.calls.positions).toBe(2);
    again.unsubscribe();
  });

  it('a watcher that unsubscribes another while being told does not break the delivery', async () => {
    const l = scriptedLog();
    const hub = createStreamHeadHub(l.source);
    const got: string[] = [];
    const later: { second?: { unsubscribe(): void } } = {};
    const first = hub.watch('s', -1n).subscribe(() => {
      got.push('first');
      later.second?.unsubscribe();
    });
    later.second = hub.watch('s', -1n).subscribe(() => got.push('second'));
    l.append('s');
    await macrotask();
    expect(got).toEqual(['first']);
    first.unsubscribe();
    expect(l.signals.observed).toBe(false);
  });

  it('a failing scan errors every open watch; a later watch starts afresh', async () => {
    const l = scriptedLog();
    const hub = createStreamHeadHub(l.source);
    const errors: unknown[] = [];
    hub.watch('a', -1n).subscribe({ error: (e) => errors.push(e) });
    hub.watch('b', -1n).subscribe({ error: (e) => errors.push(e) });
    const boom = new Error('disk I/O error');
    l.failScanWith(boom);
    l.append('a');
    await macrotask();
    expect(errors).toEqual([boom, boom]);
    expect(l.signals.observed).toBe(false);
    l.failScanWith(undefined);
    const seen: bigint[] = [];
    const s = hub.watch('a', -1n).subscribe((v) => seen.push(v));
    l.append('a');
    await macrotask();
    expect(seen).toEqual([0n, 1n]);
    s.unsubscribe();
  });

  it('a failing lookup at subscription errors that watch alone', () => {
    const l = scriptedLog();
    const hub = createStreamHeadHub({ ...l.source, head: (id) => (id === 'bad' ? (() => { throw new Error('locked'); })() : l.source.head(id)) });
    const ok = hub.watch('good', -1n).subscribe();
    let err: unknown;
    hub.watch('bad', -1n).subscribe({ error: (e) => (err = e) });
    expect((err as Error).message).toBe('locked');
    expect(l.signals.observed).toBe(true);
    ok.unsubscribe();
    expect(l.signals.observed).toBe(false);
  });

  it('completes every watch when the signals complete (the store closed), and a later watch at once', () => {
    const l = scriptedLog();
    const hub = createStreamHeadHub(l.source);
    let completed = 0;
    hub.watch('a', -1n).subscribe({ complete: () => completed++ });
    hub.watch('b', -1n).subscribe({ complete: () => completed++ });
    l.signals.complete();
    expect(completed).toBe(2);
    hub.watch('c', -1n).subscribe({ complete: () => completed++ });
    expect(completed).toBe(3);
  });
});
