/**
 * Each fact is validated once per append: the runtime's draft validates it (`validateFact`) and
 * the fact codec does not parse that object again; data from any other caller is still parsed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { factCodec, validateFact } from '../../src/events/fact-codec.ts';
import { FACT_SCHEMAS } from '../../src/events/fact-types.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { isEventValidationError } from '../../src/store/errors.ts';
import { harness, planOf, readThread, settle } from '../runtime/runtime-fixtures.ts';

const started = { interactionId: 'i1', planId: 'p1', stepId: 'a', attempt: 1, idempotencyKey: 'k', startedAtMs: 0 };

afterEach(() => vi.restoreAllMocks());

describe('fact validation on append', () => {
  it('parses each fact the runtime appends once (in its draft), not again in the store codec', async () => {
    const h = harness({ script: [planOf([{ id: 'a', action: 't.ok', input: { value: 1 } }, { id: 'b', action: 't.ok', input: { value: 2 } }]), { kind: 'done', answer: 'ok' }] });
    const parses = vi.spyOn(FACT_SCHEMAS.StepStarted, 'safeParse');
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'go');
    await settle(h.rt, 't');
    const calls = parses.mock.calls.length;
    parses.mockRestore();
    const facts = await readThread(h.store, 't');
    await h.rt.close();
    expect(facts.filter((f) => f.type === 'StepStarted')).toHaveLength(2);
    expect(calls).toBe(2);
  });

  it('still parses (and refuses) data the codec did not see validated', () => {
    const ok = validateFact('StepStarted', started);
    expect(ok.ok).toBe(true);
    const parsed = (ok as { data: Record<string, unknown> }).data;
    expect(parsed).not.toBe(started);
    expect(factCodec.encode('StepStarted', parsed, undefined)).toMatchObject({ ok: true, data: parsed });
    // an equal-looking copy made invalid is not trusted: the codec parses it
    expect(factCodec.encode('StepStarted', { ...parsed, attempt: -1 }, undefined)).toMatchObject({ ok: false, issues: [expect.stringMatching(/^data\.attempt: /)] });
    // a validated object of another type is parsed with this type's schema
    expect(factCodec.encode('StepCompleted', parsed, undefined).ok).toBe(false);
    expect(validateFact('StepStarted', { ...started, attempt: 'x' })).toMatchObject({ ok: false, issues: [expect.stringMatching(/^data\.attempt: /)] });
  });

  it('a store refuses invalid facts appended by other callers with the field named', async () => {
    const store = getInMemoryEventStore();
    const err = await store.appendToStream('thread-x', [{ id: '00000000-0000-4000-8000-000000000001', type: 'StepStarted', data: { ...started, attempt: 0 } }]).catch((e: unknown) => e);
    expect(isEventValidationError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/data\.attempt/);
  });
});
