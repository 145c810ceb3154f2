import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeRow, rawCodec, type StoredRow } from '../../src/store/codec.ts';
import { isEventDecodeError } from '../../src/store/errors.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const row = (over: Partial<StoredRow> = {}): StoredRow => ({
  streamId: 's-1',
  revision: 3n,
  position: 7n,
  id: '00000000-0000-4000-8000-000000000001',
  type: 'Anything',
  dataJson: '{"a":1}',
  metadataJson: '{"correlationId":"c-1","schemaVersion":1}',
  recordedAt: '2026-01-01T00:00:00.000Z',
  checksum: null,
  ...over,
});

const decodeError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
};

describe('decodeRow / decodeEvent', () => {
  it('completes the stored metadata with the decoded schemaVersion and recordedAt, keeping other keys', () => {
    const e = decodeRow(row({ metadataJson: '{"correlationId":"c-1"}' }), rawCodec);
    expect(e).toEqual({
      streamId: 's-1', revision: 3n, position: 7n, id: '00000000-0000-4000-8000-000000000001', type: 'Anything',
      data: { a: 1 },
      metadata: { correlationId: 'c-1', schemaVersion: 1, recordedAt: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('returns fresh objects on every call', () => {
    const r = row();
    const a = decodeRow(r, rawCodec);
    const b = decodeRow(r, rawCodec);
    expect(a.metadata).not.toBe(b.metadata);
    expect(a.data).not.toBe(b.data);
    expect(a).toEqual(b);
  });

  it('decodeEvent is decodeRow column by column', () => {
    const r = row();
    expect(decodeEvent(r.streamId, r.revision, r.position, r.id, r.type, r.dataJson, r.metadataJson, r.recordedAt, rawCodec)).toEqual(decodeRow(r, rawCodec));
  });

  it.each(['null', '[]', '3', '"x"'])('refuses stored metadata %s that is not a JSON object, naming stream and revision', (metadataJson) => {
    const err = decodeError(() => decodeRow(row({ metadataJson }), rawCodec));
    expect(isEventDecodeError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/s-1/);
    expect(String((err as Error).message)).toMatch(/metadata is not a JSON object/);
  });

  it('refuses unreadable JSON', () => {
    expect(isEventDecodeError(decodeError(() => decodeRow(row({ dataJson: '{' }), rawCodec)))).toBe(true);
  });

  it('refuses an unknown fact type and an invalid payload through the fact codec', () => {
    expect(isEventDecodeError(decodeError(() => decodeRow(row({ type: 'NoSuchFact' }), factCodec)))).toBe(true);
    expect(isEventDecodeError(decodeError(() => decodeRow(row({ type: 'ApprovalGranted', dataJson: '{"approvalId":1}' }), factCodec)))).toBe(true);
  });
});
