/**
 * The streaming hash of the version-2 state digests (src/history/fold/hash128.ts) is
 * MurmurHash3_x86_128 with seed 0 on inputs of whole 16-byte blocks (the reference vectors below
 * were computed with smhasher's MurmurHash3.cpp on the same words, little-endian); a block is fed
 * as zeros up to the block boundary and its words, and streams nested inside one another do not
 * disturb each other.
 */
import { describe, expect, it } from 'vitest';
import { begin, block, finish, resume, text, word } from '../../src/history/fold/hash128.ts';

/** 64 words of a linear congruential sequence (x ← 1103515245·x + 12345 mod 2³², from 12345). */
const input: number[] = [];
for (let i = 0, x = 12345; i < 64; i++) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  input.push(x);
}

/** MurmurHash3_x86_128(input[0 .. 4·blocks) as bytes, seed 0): the reference implementation's output words. */
const REFERENCE: Record<number, string> = {
  0: '00000000 00000000 00000000 00000000',
  1: 'e2f0d00b d40b692d 7fa0e2ef b1fd3326',
  2: 'f8511b36 c6a1870f fb0712e1 7a32309d',
  3: '4d276de1 72bdebc1 9807e203 25dd7868',
  4: 'c1d3b675 4790c645 1a3f4066 4e0a689b',
};

const hex = (d: Int32Array): string => [...d].map((v) => (v >>> 0).toString(16).padStart(8, '0')).join(' ');

function hashWords(ws: readonly number[]): string {
  const out = new Int32Array(4);
  begin();
  for (const w of ws) word(w);
  finish(out, 0);
  return hex(out);
}

describe('hash128', () => {
  it('is MurmurHash3_x86_128 (seed 0) on whole blocks', () => {
    for (const [blocks, expected] of Object.entries(REFERENCE)) expect(hashWords(input.slice(0, Number(blocks) * 4))).toBe(expected);
  });

  it('feeds a block after zeros up to the block boundary, at any alignment', () => {
    for (let lead = 0; lead < 4; lead++) {
      const ws = input.slice(0, lead);
      const d = Int32Array.from([0, ...input.slice(40, 44)]);
      const out = new Int32Array(4);
      begin();
      for (const w of ws) word(w);
      block(d, 1);
      word(7);
      finish(out, 0);
      const padded = [...ws, ...Array<number>((4 - (lead % 4)) % 4).fill(0), ...input.slice(40, 44), 7];
      expect(hex(out)).toBe(hashWords(padded));
    }
  });

  it('pads a partial last block with zeros, the length telling it from an explicit zero word', () => {
    expect(hashWords([1])).not.toBe(hashWords([1, 0]));
    expect(hashWords([1, 0])).not.toBe(hashWords([1, 0, 0, 0]));
    expect(hashWords([])).not.toBe(hashWords([0]));
  });

  it('nested streams do not disturb the open one; a saved chain resumes where it stopped', () => {
    const plain = hashWords(input.slice(0, 12));
    const out = new Int32Array(4);
    begin();
    for (let i = 0; i < 6; i++) word(input[i]!);
    expect(hashWords(input.slice(20, 31))).toBe(hashWords(input.slice(20, 31))); // a whole stream inside
    for (let i = 6; i < 12; i++) word(input[i]!);
    finish(out, 0);
    expect(hex(out)).toBe(plain);

    const lanes = new Int32Array(4);
    begin();
    for (let i = 0; i < 8; i++) word(input[i]!);
    finish(out, 0, lanes, 0);
    expect(hex(out)).toBe(hashWords(input.slice(0, 8)));
    resume(lanes, 0, 8);
    for (let i = 8; i < 12; i++) word(input[i]!);
    finish(out, 0);
    expect(hex(out)).toBe(plain);
  });

  it('feeds a string as its length and its UTF-16 code units', () => {
    const of = (s: string) => {
      const out = new Int32Array(4);
      begin();
      text(s);
      finish(out, 0);
      return hex(out);
    };
    const all = ['', 'a', 'b', 'ab', 'ba', 'a\u0000', '\u0000a', 'abc', 'é', '😀', 'a'.repeat(1000)];
    expect(new Set(all.map(of)).size).toBe(all.length);
    expect(of('ab')).toBe(hashWords([2, 0x61 | (0x62 << 16)]));
    expect(of('abc')).toBe(hashWords([3, 0x61 | (0x62 << 16), 0x63]));
  });
});
