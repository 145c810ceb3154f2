/**
 * The live step table on a terminal narrower than its lines: every redraw must erase the rows the
 * previous frame took on screen (wrapped lines take several), leaving exactly the last frame.
 * Checked on a fake terminal (test/support/fake-terminal.ts) that wraps at its `columns`.
 */
import fc from 'fast-check';
import pc from 'picocolors';
import { Subject } from 'rxjs';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../../src/cli/io.ts';
import { startProgress } from '../../src/cli/progress.ts';
import { createLiveBlock } from '../../src/cli/render/live-table.ts';
import { fit } from '../../src/cli/render/fit.ts';
import { fitAscii } from '../../src/cli/render/status-marks.ts';
import { renderStepTable } from '../../src/cli/render/step-table.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { applyFacts, initialThreadState, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { threadSummary, type ThreadSummary } from '../../src/runtime/thread-summary.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { basicThreadFacts } from '../fixtures/histories/build-basic-thread.ts';
import { fakeTerminal, type FakeTerminal } from '../support/fake-terminal.ts';

const plain = pc.createColors(false);

/** The facts of the fixture up to (excluding) the first fact of `type` after `from`. */
function factsUntil(type: Fact['type'], from = 0): Fact[] {
  const i = basicThreadFacts.findIndex((f, k) => k >= from && f.type === type);
  return basicThreadFacts.slice(0, i);
}

function stateOf(facts: Fact[]): ThreadState {
  return applyFacts(initialThreadState('t-basic'), facts);
}

/** `fetch` failed once with a 300-character error: its row is far wider than 80 columns. */
function longErrorFacts(): Fact[] {
  return factsUntil('InputReceived', 2).map((f) =>
    f.type === 'StepFailed' ? ({ ...f, data: { ...f.data, error: { ...f.data.error, message: `connect ECONNREFUSED ${'x'.repeat(300)}` } } } as Fact) : f,
  );
}

/** The rows `line` takes on a terminal `columns` wide (hard wrap by display width). */
function wrapRows(line: string, columns: number): string[] {
  const rows = [''];
  for (const ch of line) {
    if (stringWidth(rows[rows.length - 1]! + ch) > columns) rows.push('');
    rows[rows.length - 1] += ch;
  }
  return rows.map((r) => r.trimEnd());
}

function ioOn(term: FakeTerminal): CliIo {
  return { out: () => undefined, err: () => undefined, write: () => undefined, liveStream: term.stream, stdoutTTY: true, interactive: false, color: plain };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('live block redraw', () => {
  const first = ['header', `  ✗ step-a  failed ${'x'.repeat(200)}`, `  · ${'漢'.repeat(50)}`, '  ○ step-b  ready'];
  const second = ['header 2', '  ✓ step-a  completed', '  ▶ step-b  running'];

  it('leaves exactly the last frame when earlier lines wrapped (ASCII and wide characters)', () => {
    const term = fakeTerminal(80);
    const block = createLiveBlock(term.stream, { showCursor: true });
    block.draw(first);
    // 200 + 20 columns → 3 rows, 100 columns of wide characters → 2 rows
    expect(term.screen()).toHaveLength(1 + 3 + 2 + 1);
    block.draw(second);
    block.done();
    expect(term.screen()).toEqual(second);
  });

  it('(control) moving up by logical lines, as a hand-written redraw did, leaves stale rows on this terminal', () => {
    const term = fakeTerminal(80);
    let drawn = 0;
    for (const lines of [first, second]) {
      term.stream.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : ''}${lines.join('\n')}\n`);
      drawn = lines.length;
    }
    expect(term.screen()).not.toEqual(second);
    expect(term.screen().slice(0, 2)).toEqual(['header', `  ✗ step-a  failed ${'x'.repeat(80 - stringWidth('  ✗ step-a  failed '))}`]);
  });
});

describe('step table width', () => {
  it('fit pads and cuts by terminal columns, wide characters counting two', () => {
    expect(fit('漢字', 6)).toBe('漢字  ');
    expect(fit('漢字漢字', 6)).toBe('漢字… ');
    expect(stringWidth(fit('漢字漢字', 6))).toBe(6);
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 0)).toBe('');
  });

  const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
  it(`property (seed ${SEED}): on printable ASCII, fitAscii fits as fit does`, () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }), fc.integer({ min: 0, max: 45 }), (s, width) => {
        expect(fitAscii(s, width)).toBe(fit(s, width));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('cuts a step note so its row fits the given columns, and keeps it whole without columns', () => {
    const state = stateOf(longErrorFacts());
    const rows = renderStepTable(plain, state, 'int-1', 1_767_225_601_100, { columns: 80 }).slice(1);
    for (const r of rows) expect(stringWidth(r)).toBeLessThan(80);
    expect(rows.find((r) => r.includes('fetch'))).toMatch(/…$/);
    const whole = renderStepTable(plain, state, 'int-1', 1_767_225_601_100).find((r) => r.includes('fetch'))!;
    expect(whole).toContain('x'.repeat(300));
  });
});

describe('startProgress on a terminal', () => {
  it('redraws in place at 80 columns: the screen ends with the final table only', async () => {
    vi.useFakeTimers();
    const term = fakeTerminal(80);
    const states = new Subject<ThreadSummary>();
    const runtime = { state$: () => states.asObservable() } as unknown as Runtime;
    const progress = startProgress(runtime, {} as EventStore, ioOn(term), { threadId: 't-basic', mode: 'tty', fromRevision: 0n, interactionIds: ['int-1'] });
    progress.follow('int-1');
    const failing = stateOf(longErrorFacts());
    states.next(threadSummary(failing));
    await vi.advanceTimersByTimeAsync(150);
    const afterFirst = term.screen().length;
    expect(afterFirst).toBeGreaterThan(4); // header + 3 steps, the failed one wrapped
    const done = stateOf(factsUntil('PlanningRequested', 20));
    states.next(threadSummary(done));
    await vi.advanceTimersByTimeAsync(150);
    await progress.stop();
    const expected = renderStepTable(plain, done, 'int-1', Date.now(), { columns: 80 });
    // exactly the final table (its header wraps at 80 columns); nothing of the first frame is left
    expect(term.screen()).toEqual(expected.flatMap((l) => wrapRows(l, 80)));
    expect(term.raw()).toContain('retry 2 in'); // the first frame was drawn
  });
});
