/**
 * The pure mapping of the KurrentDB adapter (no server): URLs, stream names, expected revisions,
 * WrongExpectedVersionError, positions, metadata, and stored rows (round trip through the
 * client's JSON handling keeps the checksum valid; foreign or edited events fail it).
 */
import { describe, expect, it } from 'vitest';
import { rawCodec, prepareAppend } from '../../src/store/codec.ts';
import { isStoreOpenError, isWrongExpectedVersionError } from '../../src/store/errors.ts';
import { ANY, NO_STREAM, STREAM_EXISTS } from '../../src/store/event-store.ts';
import { chainChecksums, ChainVerifier } from '../../src/store/integrity.ts';
import {
  clientPosition,
  DEFAULT_STREAM_PREFIX,
  fromClientWrongExpectedVersion,
  ourStreamId,
  parseKurrentUrl,
  positionOf,
  serverStream,
  toClientExpectedRevision,
  toServerMetadata,
  toStoredRow,
  type ClientRecordedEvent,
} from '../../src/store/kurrentdb/mapping.ts';
import { rawEvent } from './contract/helpers.ts';

describe('kurrentdb mapping: URLs', () => {
  it('rewrites kurrentdb/kurrent schemes to esdb, keeps client parameters, takes out streamPrefix', () => {
    expect(parseKurrentUrl('esdb://127.0.0.1:2113?tls=false')).toEqual({
      connectionString: 'esdb://127.0.0.1:2113?tls=false',
      streamPrefix: DEFAULT_STREAM_PREFIX,
      location: 'esdb://127.0.0.1:2113?tls=false',
    });
    expect(parseKurrentUrl('kurrentdb+discover://admin:changeit@a:2113,b:2113?tls=true&streamPrefix=app-')).toEqual({
      connectionString: 'esdb+discover://admin:changeit@a:2113,b:2113?tls=true',
      streamPrefix: 'app-',
      location: 'kurrentdb+discover://a:2113,b:2113?tls=true&streamPrefix=app-',
    });
    expect(parseKurrentUrl('kurrent://h:1').connectionString).toBe('esdb://h:1');
  });

  it('refuses other schemes, no host, an empty or $-leading prefix (bad_url, without credentials)', () => {
    for (const url of ['postgres://x/y', 'esdb://', 'esdb://u:secret@?tls=false', 'esdb://h:1?streamPrefix=', 'esdb://h:1?streamPrefix=$sys']) {
      let err: unknown;
      try {
        parseKurrentUrl(url);
      } catch (e) {
        err = e;
      }
      expect(isStoreOpenError(err), url).toBe(true);
      expect(err).toMatchObject({ reason: 'bad_url' });
      expect((err as Error).message).not.toContain('secret');
    }
  });
});

describe('kurrentdb mapping: streams, revisions, positions, errors', () => {
  it('prefixes our streams and recognises only its own', () => {
    expect(serverStream('p-', 'thread-1')).toBe('p-thread-1');
    expect(ourStreamId('p-', 'p-thread-1')).toBe('thread-1');
    expect(ourStreamId('p-', 'q-thread-1')).toBeUndefined();
    expect(ourStreamId('p-', 'p-')).toBeUndefined();
    expect(ourStreamId('p-', '$et-Test')).toBeUndefined();
  });

  it('passes expected revisions through unchanged and refuses anything else', () => {
    for (const e of [ANY, NO_STREAM, STREAM_EXISTS, 0n, 41n]) expect(toClientExpectedRevision('s', e)).toBe(e);
    expect(() => toClientExpectedRevision('s', 'latest' as never)).toThrow(/stream 's': invalid expectedRevision latest/);
    expect(() => toClientExpectedRevision('s', 3 as never)).toThrow(TypeError);
  });

  it("maps the client's WrongExpectedVersionError to ours: no_stream → undefined, revisions as bigints", () => {
    const a = fromClientWrongExpectedVersion('s', 4n, { streamName: 'p-s', expectedVersion: 4n, actualVersion: 6n });
    expect(isWrongExpectedVersionError(a)).toBe(true);
    expect(a).toMatchObject({ streamId: 's', expected: 4n, actual: 6n });
    expect(fromClientWrongExpectedVersion('s', STREAM_EXISTS, { actualVersion: 'no_stream' })).toMatchObject({ expected: STREAM_EXISTS, actual: undefined });
    expect(fromClientWrongExpectedVersion('s', NO_STREAM, { actualVersion: 2 }).actual).toBe(2n);
    expect(a.message).toBe("stream 's': expected revision 4, actual 6");
  });

  it('uses the commit position as our position, and reads $all from an equal commit/prepare position', () => {
    expect(positionOf({ commit: 1234n, prepare: 1200n })).toBe(1234n);
    expect(positionOf(undefined)).toBeUndefined();
    expect(clientPosition(77n)).toEqual({ commit: 77n, prepare: 77n });
  });
});

describe('kurrentdb mapping: events', () => {
  const at = '2026-03-04T05:06:07.089Z';
  /** What the client hands back for what we appended: JSON parsed from the bytes it sent. */
  function roundTrip(prefix: string, events = [rawEvent(1, { s: 'é\u0000"' }), { ...rawEvent(2), metadata: { correlationId: 'c-1', causationId: 'k-1' } }]) {
    const prepared = prepareAppend('s', events, rawCodec);
    const sums = chainChecksums('s', undefined, prepared, at);
    return prepared.map((e, i): ClientRecordedEvent => ({
      streamId: serverStream(prefix, 's'),
      id: e.id,
      revision: BigInt(i),
      type: e.type,
      data: JSON.parse(JSON.stringify(JSON.parse(e.dataJson))),
      metadata: JSON.parse(JSON.stringify(toServerMetadata(e.metadataJson, at, sums[i] as string))),
      isJson: true,
      created: new Date(0),
      position: { commit: BigInt(100 + i), prepare: BigInt(100 + i) },
    }));
  }

  it('server metadata carries ours, recordedAt and the checksum, plus $correlationId/$causationId for the server', () => {
    const m = toServerMetadata('{"correlationId":"c-1","causationId":"k-1","schemaVersion":2}', at, 'ab');
    expect(m).toEqual({ orchestral: { metadata: { correlationId: 'c-1', causationId: 'k-1', schemaVersion: 2 }, recordedAt: at, checksum: 'ab' }, $correlationId: 'c-1', $causationId: 'k-1' });
  });

  it('rows rebuilt from what the client returns verify against their chained checksums', () => {
    const rows = roundTrip('p-').map((e) => toStoredRow('s', e)!);
    expect(rows.map((r) => [r.revision, r.position, r.recordedAt])).toEqual([[0n, 100n, at], [1n, 101n, at]]);
    const v = new ChainVerifier();
    expect(v.missing(rows)).toEqual([]);
    expect(() => rows.forEach((_, i) => v.verify(rows, i))).not.toThrow();
  });

  it('an edited payload, a foreign event (no orchestral metadata) and malformed JSON data fail the check', () => {
    const [first, second] = roundTrip('p-');
    const edited = [toStoredRow('s', first!)!, toStoredRow('s', { ...second!, data: { n: 999 } })!];
    const v = new ChainVerifier();
    v.verify(edited, 0);
    expect(() => v.verify(edited, 1)).toThrow(/revision 1 \(position 101\) failed its integrity check: checksum mismatch/);
    const foreign = toStoredRow('s', { ...first!, metadata: { $correlationId: 'x' } })!;
    expect(foreign.checksum).toBeNull();
    expect(foreign.recordedAt).toBe(new Date(0).toISOString());
    expect(() => new ChainVerifier().verify([foreign], 0)).toThrow(/no checksum is stored/);
    const malformed = toStoredRow('s', { ...first!, data: '{not json' })!;
    expect(() => new ChainVerifier().verify([malformed], 0)).toThrow(/checksum mismatch/);
  });

  it('binary events are read as their UTF-8 text; an event without a position gives no row', () => {
    const [first] = roundTrip('p-');
    const binary = toStoredRow('s', { ...first!, isJson: false, data: new Uint8Array(Buffer.from('{"n":1}')) })!;
    expect(binary.dataJson).toBe('{"n":1}');
    expect(toStoredRow('s', { ...first!, position: undefined })).toBeUndefined();
  });
});
