/**
 * Each fact is validated once per append: the runtime's draft validates it (`validateFact`) and
 * the fact codec does not parse that object again; data from any other caller is still parsed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { factCodec, validateFact } from '../../src/facts/fact-codec.ts';
import { FACT_SCHEMAS, FACT_VERSIONS } from '../../src/facts/fact-types.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { isEventValidationError } from '../../src/store/errors.ts';
import { SimulatedClock } from '../../src/core/clock.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { prepareAppend, rawCodec, type EventCodec } from '../../src/store/codec.ts';
import { planOf, scriptedPlanner, settle, testActions } from '../runtime/runtime-fixtures.ts';

const started = { interactionId: 'i1', planId: 'p1', stepId: 'a', attempt: 1, idempotencyKey: 'k', startedAtMs: 0 };

afterEach(() => vi.restoreAllMocks());

describe('fact validation on append', () => {
  it('parses each fact the runtime appends once (in its draft), not again in the store codec', async () => {
    // the store's codec is the fact codec, wrapped to count the schema parses made inside `encode`
    let inEncode = false;
    let encodes = 0;
    const codec: EventCodec = {
      encode(type, data, version) {
        if (type === 'StepStarted') encodes += 1;
        inEncode = true;
        try {
          return factCodec.encode(type, data, version);
        } finally {
          inEncode = false;
        }
      },
      decode: (type, data, version) => factCodec.decode(type, data, version),
    };
    const clock = new SimulatedClock();
    const store = getInMemoryEventStore({ clock, codec });
    const planner = scriptedPlanner([planOf([{ id: 'a', action: 't.ok', input: { value: 1 } }, { id: 'b', action: 't.ok', input: { value: 2 } }]), { kind: 'done', answer: 'ok' }]);
    const rt = createRuntime({ store, actions: testActions().registry, plannerFor: () => planner, clock, ids: sequentialIds(1) });
    let draftParses = 0;
    let encodeParses = 0;
    const parse = FACT_SCHEMAS.StepStarted.safeParse.bind(FACT_SCHEMAS.StepStarted);
    vi.spyOn(FACT_SCHEMAS.StepStarted, 'safeParse').mockImplementation(((data: unknown) => {
      if (inEncode) encodeParses += 1;
      else draftParses += 1;
      return parse(data as never);
    }) as never);
    await rt.openThread({ threadId: 't' });
    await rt.send('t', 'go');
    await settle(rt, 't');
    await rt.close();
    expect(encodes).toBe(2); // both StepStarted facts went through the codec on append
    expect(encodeParses).toBe(0); // without parsing them again
    // the draft's validation: StepStarted data is built in canonical form, so its canonical check
    // decides without a zod parse (`validateFact`); reads do the same
    expect(draftParses).toBe(0);
  });

  it('still parses (and refuses) data the codec did not see validated', () => {
    const ok = validateFact('StepStarted', started);
    expect(ok.ok).toBe(true);
    const parsed = (ok as { data: Record<string, unknown> }).data;
    expect(parsed).not.toBe(started); // a copy, also of canonical data (the caller's object is not shared)
    expect(parsed).toStrictEqual(FACT_SCHEMAS.StepStarted.parse(started));
    expect(factCodec.encode('StepStarted', parsed, undefined)).toMatchObject({ ok: true, data: parsed });
    // an equal-looking copy made invalid is not trusted: the codec parses it
    expect(factCodec.encode('StepStarted', { ...parsed, attempt: -1 }, undefined)).toMatchObject({ ok: false, issues: [expect.stringMatching(/^data\.attempt: /)] });
    // a validated object of another type is parsed with this type's schema
    expect(factCodec.encode('StepCompleted', parsed, undefined).ok).toBe(false);
    expect(validateFact('StepStarted', { ...started, attempt: 'x' })).toMatchObject({ ok: false, issues: [expect.stringMatching(/^data\.attempt: /)] });
  });

  it('hands the JSON text written by validateFact to the store once (not serialised again)', () => {
    const ok = validateFact('StepStarted', { ...started, input: { text: 'é', n: [1, 2] } });
    if (!ok.ok) throw new Error(ok.issues.join('; '));
    expect(ok.json).toBe(JSON.stringify(ok.data));
    expect(factCodec.encode('StepStarted', ok.data, undefined)).toEqual({ ok: true, data: ok.data, schemaVersion: FACT_VERSIONS.StepStarted, dataJson: ok.json });
    // the mark is used up: a second encode of the same object parses it, without a text
    const again = factCodec.encode('StepStarted', ok.data, undefined);
    expect(again).toMatchObject({ ok: true, data: ok.data });
    expect(again).not.toHaveProperty('dataJson');
    // prepareAppend stores the codec's text as it is
    const codec: EventCodec = { encode: (_t, data) => ({ ok: true, data, schemaVersion: 1, dataJson: '{"given":1}' }), decode: (_t, data, v) => ({ ok: true, data, schemaVersion: v }) };
    const [prepared] = prepareAppend('s', [{ id: '00000000-0000-4000-8000-000000000001', type: 'X', data: { other: 2 } }], codec);
    expect(prepared?.dataJson).toBe('{"given":1}');
    // without a text, the data is serialised
    const [plain] = prepareAppend('s', [{ id: '00000000-0000-4000-8000-000000000001', type: 'X', data: { other: 2 } }], rawCodec);
    expect(plain?.dataJson).toBe('{"other":2}');
  });

  it('a store refuses invalid facts appended by other callers with the field named', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    const err = await store.appendToStream('thread-x', [{ id: '00000000-0000-4000-8000-000000000001', type: 'StepStarted', data: { ...started, attempt: 0 } }]).catch((e: unknown) => e);
    expect(isEventValidationError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/data\.attempt/);
  });
});
