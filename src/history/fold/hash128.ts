/**
 * A streaming, non-cryptographic 128-bit hash over 32-bit words, for the version-2 state digests
 * (state-digest-v2.ts). It is MurmurHash3_x86_128 (Austin Appleby, public domain;
 * https://github.com/aappleby/smhasher/blob/master/src/MurmurHash3.cpp): the same block mix over
 * blocks of four 32-bit words (k1..k4 into lanes h1..h4, `Math.imul` for the 32-bit products) and
 * the same finaliser (`fmix32` of each lane, the byte length xored in), with two differences of
 * input framing: the input is a sequence of words, not bytes, and a last partial block is
 * zero-padded and mixed as a full block (the length in the finaliser keeps padding unambiguous).
 * Seed 0. Good avalanche and 128 bits make accidental collisions negligible; it is no defence
 * against someone crafting a collision on purpose, which the state hash does not need (it proves a
 * fold deterministic; the store's checksum chain is what detects tampering).
 *
 * Streams nest (a digest begun while another is open, e.g. a context field's digest computed in the
 * middle of its actor's): words are appended to one shared Int32Array, each stream's after its
 * parent's, and mixed in one tight loop when the stream finishes (a nested stream's words are then
 * dropped, its parent's continue after them), so hashing allocates nothing but its results.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/** The words fed to the open streams, each stream's after its parent's (a nested one is removed when it finishes). */
let buf = new Int32Array(1024);
let len = 0;
/**
 * One frame per open stream: where its words start in `buf`, then its starting lanes h1..h4 and the
 * count of words they stand for (all 0 unless `resume`d).
 */
let frames = new Int32Array(6 * 16);
/** Offset of the innermost open stream's frame (-6: none). */
let top = -6;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** MurmurHash3's 32-bit finalisation mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function grow(): void {
  const bigger = new Int32Array(buf.length * 2);
  bigger.set(buf);
  buf = bigger;
}

/**
 * Opens a stream (lanes at seed 0), nested in the current one if any. Every `begin` is closed by one
 * `finish`; words go to the innermost open stream.
 */
export function begin(): void {
  top += 6;
  if (top + 6 > frames.length) {
    const grown = new Int32Array(frames.length * 2);
    grown.set(frames);
    frames = grown;
  }
  frames.fill(0, top, top + 6);
  frames[top] = len;
}

/**
 * Opens a stream that continues one whose lanes `finish` gave (`chain`) after `words` words
 * (a multiple of 4): a hash chain extended without re-reading its prefix.
 */
export function resume(lanes: Int32Array, at: number, words: number): void {
  begin();
  frames[top + 1] = lanes[at]!;
  frames[top + 2] = lanes[at + 1]!;
  frames[top + 3] = lanes[at + 2]!;
  frames[top + 4] = lanes[at + 3]!;
  frames[top + 5] = words;
}

/** Feeds one 32-bit word (`x | 0`) to the open stream. */
export function word(x: number): void {
  if (len === buf.length) grow();
  buf[len++] = x;
}

/**
 * Feeds zero words up to the next block boundary, then the four words `d[at..at+3]` (a digest inside
 * a stream: the zeros' count follows from the words before, so the input stays unambiguous).
 */
export function block(d: Int32Array, at: number): void {
  while (((len - frames[top]!) & 3) !== 0) word(0);
  if (len + 4 > buf.length) grow();
  buf[len] = d[at]!;
  buf[len + 1] = d[at + 1]!;
  buf[len + 2] = d[at + 2]!;
  buf[len + 3] = d[at + 3]!;
  len += 4;
}

/** Feeds a string: its length, then its UTF-16 code units two per word. */
export function text(s: string): void {
  const n = s.length;
  while (len + 2 + (n >> 1) > buf.length) grow();
  const b = buf;
  let at = len;
  b[at++] = n;
  let i = 0;
  for (; i + 1 < n; i += 2) b[at++] = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
  if (i < n) b[at++] = s.charCodeAt(i);
  len = at;
}

/**
 * Mixes the open stream's blocks into its lanes (MurmurHash3_x86_128's body), the last partial block
 * zero-padded; writes the lanes to `out[at..at+3]`.
 */
function mix(out: Int32Array, at: number): void {
  const o = top;
  const start = frames[o]!;
  let h1 = frames[o + 1]!;
  let h2 = frames[o + 2]!;
  let h3 = frames[o + 3]!;
  let h4 = frames[o + 4]!;
  while (((len - start) & 3) !== 0) word(0);
  const b = buf;
  const end = start + ((len - start) & ~3);
  for (let i = start; i < end; i += 4) {
    h1 ^= Math.imul(rotl(Math.imul(b[i]!, C1), 15), C2);
    h1 = rotl(h1, 19);
    h1 = (h1 + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    h2 ^= Math.imul(rotl(Math.imul(b[i + 1]!, C2), 16), C3);
    h2 = rotl(h2, 17);
    h2 = (h2 + h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    h3 ^= Math.imul(rotl(Math.imul(b[i + 2]!, C3), 17), C4);
    h3 = rotl(h3, 15);
    h3 = (h3 + h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    h4 ^= Math.imul(rotl(Math.imul(b[i + 3]!, C4), 18), C1);
    h4 = rotl(h4, 13);
    h4 = (h4 + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  out[at] = h1;
  out[at + 1] = h2;
  out[at + 2] = h3;
  out[at + 3] = h4;
}

const lanes = new Int32Array(4);

/**
 * Closes the open stream and writes its 128-bit hash into `out[at..at+3]` (MurmurHash3_x86_128's
 * finalisation; the length is the byte count of the words fed). With `chain`, also writes the lanes
 * before the finalisation into `chain[chainAt..chainAt+3]`, from which `resume` continues the stream
 * (when the words fed are a multiple of 4).
 * @returns the number of words fed.
 */
export function finish(out: Int32Array, at: number, chain?: Int32Array, chainAt = 0): number {
  const fed = frames[top + 5]! + (len - frames[top]!);
  mix(lanes, 0);
  if (chain !== undefined) chain.set(lanes, chainAt);
  const bytes = Math.imul(fed, 4);
  let h1 = lanes[0]! ^ bytes;
  let h2 = lanes[1]! ^ bytes;
  let h3 = lanes[2]! ^ bytes;
  let h4 = lanes[3]! ^ bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[at] = h1;
  out[at + 1] = h2;
  out[at + 2] = h3;
  out[at + 3] = h4;
  len = frames[top]!;
  top -= 6;
  return fed;
}

/** Closes every open stream (after a digest threw half-way, e.g. on a cyclic value). */
export function resetStreams(): void {
  top = -6;
  len = 0;
}
