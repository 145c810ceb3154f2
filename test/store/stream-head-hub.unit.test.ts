/** The stream head hub (src/store/stream-head-hub.ts) over a scripted log, synchronous and asynchronous: one scan per signal batch, whatever the watchers. */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createStreamHeadHub, type StreamHeadHub, type HeadHubSource, type HeadScan } from '../../src/store/stream-head-hub.ts';

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

/** Watches each of `streams` from the start; the errors they end with, in arrival order. */
function watchForErrors(hub: StreamHeadHub, streams: readonly string[]): unknown[] {
  const errors: unknown[] = [];
  for (const id of streams) hub.watch(id, -1n).subscribe({ error: (e) => errors.push(e) });
  return errors;
}

type Kind = 'position' | 'scan' | 'head';
interface Pending {
  kind: Kind;
  /** The answer, read from the log when the call was made (the query's snapshot). */
  answer: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * The scripted log behind an asynchronous source: every read answers with a promise that stays
 * pending until the test settles it (oldest first per kind), with the log as it was when the read
 * was made.
 */
function asyncLog() {
  const l = scriptedLog();
  const pending: Pending[] = [];
  const call = <T>(kind: Kind, read: () => T): Promise<T> => {
    let snapshot: { value: T } | { error: unknown };
    try {
      snapshot = { value: read() };
    } catch (error) {
      snapshot = { error };
    }
    return new Promise<T>((resolve, reject) =>
      pending.push({
        kind,
        answer: () => {
          if ('error' in snapshot) throw snapshot.error;
          return snapshot.value;
        },
        resolve: resolve as (v: unknown) => void,
        reject,
      }),
    );
  };
  const source: HeadHubSource = {
    signals: l.signals,
    position: () => call('position', () => l.source.position() as bigint),
    scan: (after) => call('scan', () => l.source.scan(after) as HeadScan),
    head: (id) => call('head', () => l.source.head(id) as bigint | undefined),
  };
  /** Settles the oldest pending read of `kind` (with `error`: rejects it), then lets its continuations and the scan they schedule run. */
  const settle = async (kind: Kind, error?: Error): Promise<void> => {
    const i = pending.findIndex((p) => p.kind === kind);
    if (i < 0) throw new Error(`no pending ${kind}`);
    const [p] = pending.splice(i, 1);
    if (error !== undefined) p!.reject(error);
    else {
      try {
        p!.resolve(p!.answer());
      } catch (err) {
        p!.reject(err);
      }
    }
    await macrotask();
    await macrotask();
  };
  const inFlight = (kind: Kind): number => pending.filter((p) => p.kind === kind).length;
  return { ...l, source, settle, inFlight };
}

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
    const errors = watchForErrors(hub, ['a', 'b']);
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

  describe('asynchronous source', () => {
    it('runs at most one scan at a time; signals during it cause exactly one more scan, from where it ended', async () => {
      const l = asyncLog();
      const hub = createStreamHeadHub(l.source);
      const seen: bigint[] = [];
      const sub = hub.watch('s', -1n).subscribe((v) => seen.push(v));
      await l.settle('position');
      await l.settle('head');
      l.append('s');
      await macrotask();
      expect(l.inFlight('scan')).toBe(1);
      l.append('s');
      l.append('other');
      await macrotask();
      l.append('s');
      await macrotask();
      expect(l.inFlight('scan')).toBe(1); // three signals during the scan: no second scan yet
      await l.settle('scan');
      expect(seen).toEqual([0n]);
      expect(l.inFlight('scan')).toBe(1); // exactly one more, after the first answered
      await l.settle('scan');
      expect(seen).toEqual([0n, 2n]);
      await macrotask();
      expect(l.inFlight('scan')).toBe(0);
      expect(l.calls.scans).toBe(2);
      expect(l.calls.scannedAfter).toEqual([-1n, 0n]);
      sub.unsubscribe();
    });

    it('looks up at subscription only once the position is known; signals before that cause one scan after it', async () => {
      const l = asyncLog();
      l.append('s', 2);
      const hub = createStreamHeadHub(l.source);
      const seen: bigint[] = [];
      const sub = hub.watch('s', -1n).subscribe((v) => seen.push(v));
      l.append('s');
      await macrotask();
      expect([l.inFlight('head'), l.inFlight('scan')]).toEqual([0, 0]);
      await l.settle('position'); // read at subscription, before the append: position 1
      expect(l.inFlight('head')).toBe(1);
      expect(l.inFlight('scan')).toBe(1);
      await l.settle('head');
      expect(seen).toEqual([2n]);
      await l.settle('scan');
      expect(seen).toEqual([2n]);
      expect(l.calls.scannedAfter).toEqual([1n]); // the append's signal, held until the position was known
      sub.unsubscribe();
    });

    it('a lookup at subscription answering after a scan told a higher head emits nothing lower; a closed watch gets nothing', async () => {
      const l = asyncLog();
      l.append('s');
      l.append('u');
      const hub = createStreamHeadHub(l.source);
      const seen: bigint[] = [];
      const closed: bigint[] = [];
      const sub = hub.watch('s', -1n).subscribe((v) => seen.push(v));
      await l.settle('position'); // the lookup of s is made now: revision 0, answered later
      const gone = hub.watch('u', -1n).subscribe((v) => closed.push(v)); // its lookup: revision 0
      l.append('s');
      await macrotask();
      await l.settle('scan');
      expect(seen).toEqual([1n]);
      await l.settle('head'); // s: 0, below what the scan told
      expect(seen).toEqual([1n]);
      gone.unsubscribe();
      await l.settle('head'); // u: 0, for a closed watch
      expect(closed).toEqual([]);
      sub.unsubscribe();
    });

    it('a late lookup at subscription still emits when it is the first to see the head', async () => {
      const l = asyncLog();
      l.append('s', 3);
      const hub = createStreamHeadHub(l.source);
      const seen: bigint[] = [];
      const sub = hub.watch('s', 0n).subscribe((v) => seen.push(v));
      await l.settle('position');
      await macrotask();
      expect(seen).toEqual([]);
      await l.settle('head');
      expect(seen).toEqual([2n]);
      sub.unsubscribe();
    });

    it('a watch closed during a scan gets nothing from it; the last one closing drops the answer, and the next period waits for that scan', async () => {
      const l = asyncLog();
      const hub = createStreamHeadHub(l.source);
      const a: bigint[] = [];
      const b: bigint[] = [];
      const sa = hub.watch('s', -1n).subscribe((v) => a.push(v));
      const sb = hub.watch('s', -1n).subscribe((v) => b.push(v));
      await l.settle('position');
      await l.settle('head');
      await l.settle('head');
      l.append('s');
      await macrotask();
      sb.unsubscribe();
      await l.settle('scan');
      expect(a).toEqual([0n]);
      expect(b).toEqual([]);
      l.append('s');
      await macrotask();
      sa.unsubscribe(); // the last watch: the hub stops listening with the scan in flight
      expect(l.signals.observed).toBe(false);
      l.append('x'); // unseen by the old scan: the next period starts after it
      const c: bigint[] = [];
      const sc = hub.watch('s', -1n).subscribe((v) => c.push(v));
      await l.settle('position');
      await l.settle('head');
      expect(c).toEqual([1n]);
      l.append('s');
      await macrotask();
      expect(l.inFlight('scan')).toBe(1); // the old scan: no second one beside it
      await l.settle('scan'); // its answer belongs to the closed period: dropped
      expect(a).toEqual([0n]);
      expect(c).toEqual([1n]);
      expect(l.inFlight('scan')).toBe(1); // the signal that waited
      await l.settle('scan');
      expect(c).toEqual([1n, 2n]);
      expect(l.calls.scannedAfter.at(-1)).toBe(2n); // not moved back by the dropped answer
      sc.unsubscribe();
    });

    it('a failing scan errors every open watch and a later watch starts afresh; a failing lookup errors its watch alone', async () => {
      const l = asyncLog();
      const hub = createStreamHeadHub(l.source);
      const errors = watchForErrors(hub, ['a', 'b']);
      await l.settle('position');
      const lookupFailure = new Error('connection reset');
      await l.settle('head', lookupFailure);
      expect(errors).toEqual([lookupFailure]);
      await l.settle('head');
      expect(l.signals.observed).toBe(true);
      l.append('b');
      await macrotask();
      const boom = new Error('server closed the connection');
      await l.settle('scan', boom);
      expect(errors).toEqual([lookupFailure, boom]);
      expect(l.signals.observed).toBe(false);
      const seen: bigint[] = [];
      const s = hub.watch('b', -1n).subscribe((v) => seen.push(v));
      expect(l.inFlight('position')).toBe(1);
      await l.settle('position');
      await l.settle('head');
      l.append('b');
      await macrotask();
      await l.settle('scan');
      expect(seen).toEqual([0n, 1n]);
      s.unsubscribe();
    });

    it('a failing position read errors every watch waiting for it', async () => {
      const l = asyncLog();
      const hub = createStreamHeadHub(l.source);
      const errors = watchForErrors(hub, ['a', 'b']);
      const boom = new Error('no connection');
      await l.settle('position', boom);
      expect(errors).toEqual([boom, boom]);
      expect(l.inFlight('head')).toBe(0);
      expect(l.signals.observed).toBe(false);
    });

    it('completes every watch when the signals complete, dropping answers that come later', async () => {
      const l = asyncLog();
      const hub = createStreamHeadHub(l.source);
      const events: string[] = [];
      hub.watch('a', -1n).subscribe({ next: (v) => events.push(`next ${v}`), complete: () => events.push('complete') });
      await l.settle('position');
      l.append('a');
      l.signals.complete();
      await l.settle('head');
      expect(events).toEqual(['complete']);
    });
  });
});
