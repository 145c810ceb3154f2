import { describe, expect, it } from 'vitest';
import { prepareAppend, rawCodec, type EventCodec } from '../../src/store/codec.ts';
import type { EventData } from '../../src/store/event-store.ts';

const ID = '00000000-0000-4000-8000-000000000001';
const event = (metadata: EventData['metadata']): EventData => ({ id: ID, type: 'T', data: { a: 1 }, ...(metadata === undefined ? {} : { metadata }) });
/** Bumps every payload to schema version 3 (as an upcasting codec would report). */
const v3: EventCodec = { encode: (_t, data) => ({ ok: true, data, schemaVersion: 3 }), decode: rawCodec.decode };

describe('prepareAppend metadata JSON', () => {
  it('keeps the given keys in order, drops undefined values and appends schemaVersion', () => {
    const [p] = prepareAppend('s', [event({ correlationId: 'c', causationId: undefined, actor: 'x' } as EventData['metadata'])], rawCodec);
    expect(p?.metadataJson).toBe('{"correlationId":"c","actor":"x","schemaVersion":1}');
  });

  it('sets schemaVersion in place when the metadata carries one, to the version the codec returned', () => {
    const [p] = prepareAppend('s', [event({ schemaVersion: 1, correlationId: 'c' })], v3);
    expect(p?.metadataJson).toBe('{"schemaVersion":3,"correlationId":"c"}');
  });

  it('ignores inherited fields and writes only schemaVersion for absent metadata', () => {
    const meta = Object.assign(Object.create({ inherited: 'no' }) as object, { own: 'yes' });
    expect(prepareAppend('s', [event(meta as EventData['metadata'])], rawCodec)[0]?.metadataJson).toBe('{"own":"yes","schemaVersion":1}');
    expect(prepareAppend('s', [event(undefined)], rawCodec)[0]?.metadataJson).toBe('{"schemaVersion":1}');
  });
});
