/**
 * The shared integrity module on its own: what the checksum covers, which predecessors a read must
 * fetch (none when it starts at revision 0 or the page holds them), and how the verifier and the
 * scan name each kind of damage.
 */
import { describe, expect, it } from 'vitest';
import { rawCodec, type StoredRow } from '../../src/store/codec.ts';
import { ChainVerifier, eventChecksum, scanIntegrity } from '../../src/store/integrity.ts';
import { collect } from './contract/helpers.ts';

const AT = '2026-01-01T00:00:00.000Z';
const fields = { streamId: 's', revision: 1n, id: '00000000-0000-4000-8000-000000000001', type: 'T', dataJson: '{"a":1}', metadataJson: '{"schemaVersion":1}', recordedAt: AT };

/** An intact chained stream of `n` rows at positions 10, 20, … (`positionStep` apart). */
function chain(n: number, streamId = 's', positionStep = 10n): StoredRow[] {
  const rows: StoredRow[] = [];
  let prev: string | undefined;
  for (let r = 0; r < n; r++) {
    const f = { ...fields, streamId, revision: BigInt(r), id: `00000000-0000-4000-8000-${String(r).padStart(12, '0')}`, dataJson: `{"n":${r}}` };
    prev = eventChecksum(prev, f);
    rows.push({ ...f, position: BigInt(r + 1) * positionStep, checksum: prev });
  }
  return rows;
}

describe('eventChecksum', () => {
  it('changes with every covered field and with the predecessor; ignores the id’s letter case', () => {
    const base = eventChecksum('p', fields);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      eventChecksum('q', fields),
      eventChecksum(undefined, fields),
      eventChecksum('p', { ...fields, streamId: 's2' }),
      eventChecksum('p', { ...fields, revision: 2n }),
      eventChecksum('p', { ...fields, id: '00000000-0000-4000-8000-000000000002' }),
      eventChecksum('p', { ...fields, type: 'U' }),
      eventChecksum('p', { ...fields, dataJson: '{"a":2}' }),
      eventChecksum('p', { ...fields, metadataJson: '{"schemaVersion":2}' }),
      eventChecksum('p', { ...fields, recordedAt: '2026-01-01T00:00:00.001Z' }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(eventChecksum('p', { ...fields, id: fields.id.toUpperCase() })).toBe(base);
  });

  it('cannot be fooled by moving text between fields (length prefixes)', () => {
    expect(eventChecksum(undefined, { ...fields, type: 'T\n1', dataJson: '{}' })).not.toBe(eventChecksum(undefined, { ...fields, type: 'T', dataJson: '1\n{}' }));
    expect(eventChecksum(undefined, { ...fields, streamId: 'a\n2', revision: 1n })).not.toBe(eventChecksum(undefined, { ...fields, streamId: 'a', revision: 21n }));
  });
});

describe('ChainVerifier', () => {
  it('forwards from revision 0 needs no fetch; from mid-stream one per stream; the next page none', () => {
    const rows = chain(6);
    const v = new ChainVerifier();
    expect(v.missing(rows.slice(0, 3))).toEqual([]);
    rows.slice(0, 3).forEach((_, i) => v.verify(rows.slice(0, 3), i));
    expect(v.missing(rows.slice(3))).toEqual([]);
    const mid = new ChainVerifier();
    const t = chain(3, 't');
    const page = [rows[2]!, t[1]!, rows[3]!, t[2]!];
    expect(mid.missing(page)).toEqual([{ streamId: 's', revision: 1n }, { streamId: 't', revision: 0n }]);
    mid.supply('s', 1n, rows[1]!.checksum);
    mid.supply('t', 0n, t[0]!.checksum);
    expect(() => page.forEach((_, i) => mid.verify(page, i))).not.toThrow();
  });

  it('backwards fetches only at page edges; a missing predecessor is a revision gap', () => {
    const rows = chain(5).reverse();
    const v = new ChainVerifier('backwards');
    expect(v.missing(rows.slice(0, 2))).toEqual([{ streamId: 's', revision: 2n }]);
    const gap = [rows[0]!, rows[2]!]; // revisions 4 and 2: 3 is gone
    expect(v.missing(gap)).toEqual([{ streamId: 's', revision: 3n }, { streamId: 's', revision: 1n }]);
    v.supply('s', 3n, undefined);
    v.supply('s', 1n, rows[3]!.checksum);
    expect(() => v.verify(gap, 0)).toThrow(/revision 4 .*revision gap: its predecessor, revision 3, is not stored/);
    expect(() => v.verify(gap, 1)).not.toThrow();
  });

  it('names an event out of order and a gap in a forward read', () => {
    const rows = chain(4);
    const v = new ChainVerifier();
    const page = [rows[0]!, rows[1]!, rows[1]!];
    v.verify(page, 0);
    v.verify(page, 1);
    expect(() => v.verify(page, 2)).toThrow(/chain broken: it arrived after revision 1/);
    const g = new ChainVerifier();
    const jump = [rows[0]!, rows[2]!];
    g.verify(jump, 0);
    expect(() => g.verify(jump, 1)).toThrow(/revision gap: revisions 1\.\.1 are missing/);
  });
});

describe('scanIntegrity', () => {
  it('reports nothing for intact chains, and each kind of damage once', async () => {
    expect(await collect(() => scanIntegrity([...chain(3), ...chain(2, 't')], rawCodec))).toEqual([]);
    const rows = chain(6);
    rows[1] = { ...rows[1]!, dataJson: '{"n":100}' }; // content edited
    rows[4] = { ...rows[4]!, position: 5n }; // moved before its predecessor in the log
    const t = chain(4, 't');
    t.splice(1, 1); // revision 1 removed
    const issues = await collect(() => scanIntegrity([...rows, ...t], rawCodec));
    expect(issues.map((i) => [i.streamId, i.revision, i.reason])).toEqual([
      ['s', 1n, 'checksum_mismatch'],
      ['s', 4n, 'chain_broken'],
      ['t', 2n, 'revision_gap'],
    ]);
    expect(issues[1]!.detail).toMatch(/events reordered/);
  });
});
