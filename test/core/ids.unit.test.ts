/**
 * Id generators: `timeOrderedIds` makes RFC 9562 version-7 UUIDs that sort in creation order
 * whatever the clock does (property over arbitrary clock readings, seeded by `FC_SEED`, printed on
 * failure), and refuses a clock reading that is not a 48-bit ms timestamp.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomIds, sequentialIds, timeOrderedIds } from '../../src/core/ids.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
const counterOf = (id: string): number => parseInt(id.slice(15, 18), 16);

describe('timeOrderedIds', () => {
  it('puts the clock reading in the first 48 bits, version 7, the RFC variant and a per-ms counter', () => {
    const ids = timeOrderedIds({ now: () => 1_733_472_000_123 });
    const [a, b] = [ids.uuid(), ids.uuid()];
    expect(a).toMatch(V7);
    expect(b).toMatch(V7);
    expect(msOf(a)).toBe(1_733_472_000_123);
    expect([counterOf(a), counterOf(b)]).toEqual([0, 1]);
    expect(a < b).toBe(true);
  });

  it('keeps the last millisecond when the clock goes back, and moves one ms ahead after 4 096 ids in one ms', () => {
    let t = 5_000;
    const ids = timeOrderedIds({ now: () => t });
    const made: string[] = [];
    for (let i = 0; i < 4_097; i++) made.push(ids.uuid());
    expect(msOf(made[4_095]!)).toBe(5_000);
    expect(counterOf(made[4_095]!)).toBe(0xfff);
    expect(msOf(made[4_096]!)).toBe(5_001);
    expect(counterOf(made[4_096]!)).toBe(0);
    t = 10; // the clock went back
    const back = ids.uuid();
    expect(msOf(back)).toBe(5_001);
    expect(back > made[4_096]!).toBe(true);
    t = 9_000;
    expect(counterOf(ids.uuid())).toBe(0);
  });

  it('fills the variant and 62 random bits from fresh random bytes for every id, across refills of its random pool', () => {
    const ids = timeOrderedIds({ now: () => 7 });
    const tails = new Set<string>();
    const variants = new Set<string>();
    const digitsAt = Array.from({ length: 15 }, () => new Set<string>());
    for (let i = 0; i < 3_000; i++) {
      const id = ids.uuid(); // 3 000 ids: the 4 KiB pool (8 bytes per id) is refilled 5 times
      expect(id).toMatch(V7);
      const tail = id.slice(19);
      tails.add(tail);
      variants.add(tail[0]!);
      [...tail.slice(1).replace('-', '')].forEach((c, j) => digitsAt[j]!.add(c));
    }
    expect(tails.size).toBe(3_000);
    expect([...variants].sort()).toEqual(['8', '9', 'a', 'b']);
    for (const seen of digitsAt) expect(seen.size).toBe(16);
  });

  it('reuses the last 62 bits of randomUuid when one is given', () => {
    const v4 = ['f47ac10b-58cc-4372-a567-0e02b2c3d479', '9b2d3f4e-1a2b-4c3d-8e4f-5a6b7c8d9e0f'];
    let i = 0;
    const ids = timeOrderedIds({ now: () => 0x0123456789ab, randomUuid: () => v4[i++]! });
    expect([ids.uuid(), ids.uuid()]).toEqual(['01234567-89ab-7000-a567-0e02b2c3d479', '01234567-89ab-7001-8e4f-5a6b7c8d9e0f']);
  });

  it('refuses a clock reading that is not an integer ms in [0, 2^48), naming it', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 48]) {
      expect(() => timeOrderedIds({ now: () => bad }).uuid()).toThrow(new RangeError(`timeOrderedIds: now() returned ${bad}, not an integer ms in [0, 2^48)`));
    }
  });

  it(`property (seed ${SEED}): ids are valid v7 UUIDs in strictly increasing order for any clock readings`, () => {
    let wentBack = 0;
    let sameMs = 0;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { minLength: 1, maxLength: 60 }), fc.array(fc.nat({ max: 5 }), { minLength: 60, maxLength: 60 }), (readings, repeats) => {
        const clock = readings.flatMap((r, i) => Array.from({ length: 1 + repeats[i]! }, () => r));
        let i = 0;
        const ids = timeOrderedIds({ now: () => clock[i++]! });
        let prev = '';
        for (let k = 0; k < clock.length; k++) {
          if (k > 0 && clock[k]! < clock[k - 1]!) wentBack++;
          if (k > 0 && clock[k] === clock[k - 1]) sameMs++;
          const id = ids.uuid();
          expect(id).toMatch(V7);
          expect(id > prev, `${id} after ${prev}`).toBe(true);
          prev = id;
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
    // The generator reached the cases it claims to cover: a clock going back and several ids in one ms.
    expect(wentBack).toBeGreaterThan(0);
    expect(sameMs).toBeGreaterThan(0);
  });
});

describe('randomIds and sequentialIds', () => {
  it('make UUID-shaped ids: random v4, and a deterministic sequence per seed', () => {
    expect(randomIds.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const s = sequentialIds(3);
    expect([s.uuid(), s.uuid()]).toEqual(['00000000-0000-4000-8000-000300000001', '00000000-0000-4000-8000-000300000002']);
  });
});
