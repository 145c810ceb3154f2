/**
 * LazyAbort (src/core/lazy-abort.ts): behaves as an AbortController whose signal is made on first
 * read. Property over random sequences of operations against a real AbortController, seeded by
 * `FC_SEED` (printed in the test name).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LazyAbort } from '../../src/core/lazy-abort.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

type Op = { op: 'abort'; reason: unknown } | { op: 'read' } | { op: 'listen' } | { op: 'remove'; which: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('abort' as const), reason: fc.oneof(fc.constant(undefined), fc.string(), fc.constant(new Error('e'))) }),
  fc.constant({ op: 'read' as const }),
  fc.constant({ op: 'listen' as const }),
  fc.record({ op: fc.constant('remove' as const), which: fc.nat() }),
);

describe('LazyAbort', () => {
  it(`property (seed ${SEED}): aborted, reason, the signal and the listeners follow an AbortController's`, () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const lazy = new LazyAbort();
        const real = new AbortController();
        const lazyCalls: number[] = [];
        const realCalls: number[] = [];
        const removers: Array<{ lazy: () => void; real: () => void }> = [];
        const signals: AbortSignal[] = [];
        for (const o of ops) {
          if (o.op === 'abort') {
            lazy.abort(o.reason);
            real.abort(o.reason);
          } else if (o.op === 'read') signals.push(lazy.signal);
          else if (o.op === 'listen') {
            const n = removers.length;
            // AbortSignal listeners added after the abort are never called: onAbort's contract too
            const l = (): void => void lazyCalls.push(n);
            const r = (): void => void realCalls.push(n);
            const removeLazy = lazy.onAbort(l);
            real.signal.addEventListener('abort', r, { once: true });
            removers.push({ lazy: removeLazy, real: () => real.signal.removeEventListener('abort', r) });
          } else if (removers.length > 0) {
            const r = removers[o.which % removers.length]!;
            r.lazy();
            r.real();
          }
          expect(lazy.aborted).toBe(real.signal.aborted);
          if (real.signal.aborted && !(real.signal.reason instanceof DOMException)) expect(lazy.reason).toBe(real.signal.reason);
          if (real.signal.aborted && real.signal.reason instanceof DOMException) expect(lazy.reason).toMatchObject({ name: 'AbortError' });
          for (const s of signals) {
            expect(s).toBe(lazy.signal); // one signal, made once
            expect(s.aborted).toBe(real.signal.aborted);
            expect(s.reason).toBe(lazy.reason);
          }
          expect(lazyCalls).toEqual(realCalls);
        }
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('aborts a signal read after the abort with the same reason, and ignores later aborts', () => {
    const c = new LazyAbort();
    const reason = new Error('first');
    c.abort(reason);
    c.abort(new Error('second'));
    expect(c.reason).toBe(reason);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe(reason);
    expect(c.onAbort(() => expect.unreachable())).toBeTypeOf('function');
  });

  it('defaults the reason to an AbortError DOMException, as AbortController does', () => {
    const c = new LazyAbort();
    const real = new AbortController();
    c.abort();
    real.abort();
    expect(c.reason).toBeInstanceOf(DOMException);
    expect((c.reason as DOMException).name).toBe((real.signal.reason as DOMException).name);
    expect((c.reason as DOMException).message).toBe((real.signal.reason as DOMException).message);
  });
});
