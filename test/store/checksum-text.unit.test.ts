/**
 * `checksumOf` writes an event's canonical text into a reused Buffer: property: for any fields
 * (any Unicode, ids in any case, texts around and past the Buffer's sizes, revisions up to 2^60),
 * the checksum is the sha256 of the canonical text the integrity module documents, built as a
 * string (the form every stored checksum was written with).
 */
import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksumOf, eventChecksum } from '../../src/store/integrity.ts';

/** The canonical text, as documented, hashed as one UTF-8 string. */
function reference(prev: string | null | undefined, streamId: string, revision: bigint, id: string, type: string, recordedAt: string, dataJson: string, metadataJson: string): string {
  const text =
    `orchestral-event-v1\n${prev ?? ''}\n${streamId.length}:${streamId}\n${revision}\n${id.toLowerCase()}\n` +
    `${type.length}:${type}\n${recordedAt}\n${dataJson.length}:${dataJson}\n${metadataJson}`;
  return hash('sha256', text, 'hex');
}

/** Characters from ASCII to Latin-1 (one UTF-16 unit, one or two UTF-8 bytes), then any Unicode. */
const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) });
const anyText = fc.oneof(fc.string(), latin1, fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }));
/** Lengths around the Buffer's first size (8 KiB / 3 per unit) and its limit (256 KiB / 3). */
const longText = fc.constantFrom(2700, 2800, 8200, 87_000, 88_000, 100_000).chain((n) => fc.tuple(fc.constantFrom('a', 'é', '日', '😀'), fc.constant(n)).map(([c, k]) => c.repeat(Math.ceil(k / c.length))));
const id = fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), anyText);

describe('checksumOf', () => {
  it('equals the sha256 of the canonical text built as a string, for any fields', () => {
    const seed = Date.now() >>> 0;
    console.log(`checksumOf property seed ${seed}`);
    fc.assert(
      fc.property(
        fc.option(fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), anyText), { nil: undefined }),
        anyText,
        fc.bigInt({ min: 0n, max: 2n ** 60n }),
        id,
        anyText,
        anyText,
        fc.oneof(anyText, longText),
        fc.oneof(anyText, longText),
        (prev, streamId, revision, eventId, type, recordedAt, dataJson, metadataJson) => {
          expect(checksumOf(prev, streamId, revision, eventId, type, recordedAt, dataJson, metadataJson)).toBe(
            reference(prev, streamId, revision, eventId, type, recordedAt, dataJson, metadataJson),
          );
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('equals it for a null predecessor, ids with capitals outside ASCII, and a blob payload read from a damaged row', () => {
    const f = { streamId: 's', revision: 3n, id: 'ABC', type: 'T', recordedAt: 'r', metadataJson: '{}' };
    expect(checksumOf(null, f.streamId, f.revision, f.id, f.type, f.recordedAt, '{"a":1}', f.metadataJson)).toBe(reference(null, 's', 3n, 'ABC', 'T', 'r', '{"a":1}', '{}'));
    expect(checksumOf('é', 'straße', 1n, 'id', 'Typé', 'ÿ', '{}', '{}')).toBe(reference('é', 'straße', 1n, 'id', 'Typé', 'ÿ', '{}', '{}'));
    for (const id of ['ÉTÉ-Σ', 'İd', 'ǅ', 'ÀB']) expect(checksumOf(undefined, 's', 0n, id, 'T', 'r', '{}', '{}')).toBe(reference(undefined, 's', 0n, id, 'T', 'r', '{}', '{}'));
    const blob = Buffer.from('{"a":"é"}') as unknown as string;
    expect(eventChecksum('p', { ...f, dataJson: blob })).toBe(reference('p', 's', 3n, 'ABC', 'T', 'r', blob, '{}'));
  });
});
