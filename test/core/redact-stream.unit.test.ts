/**
 * Streamed redaction: whatever way a text is cut into pieces, what the redactor emits leaks no
 * secret fragment of 8 characters or more and no key-shaped string, and a text without secrets
 * comes out unchanged. Property seeded by `FC_SEED` (printed on failure).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamRedactor } from '../../src/core/redact-stream.ts';
import { MIN_SECRET_FRAGMENT, redactText } from '../../src/core/redact.ts';

const SECRET = 'Zq81xYtRw5Lm0PaVb7Kc3NdEe9FgHh2JpQ';
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** Runs `pieces` through a redactor and returns what it emitted. */
function stream(pieces: readonly string[], extra: readonly string[] = [SECRET]): string[] {
  const out: string[] = [];
  const r = createStreamRedactor((t) => out.push(t), { extra });
  for (const p of pieces) r.push(p);
  r.end();
  return out;
}

/** Cuts `text` at the given points (sorted, deduplicated, inside the text). */
function cut(text: string, points: readonly number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const p of at) {
    pieces.push(text.slice(from, p));
    from = p;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** Every fragment of the secret of MIN_SECRET_FRAGMENT characters (any longer leak contains one). */
const grams = Array.from({ length: SECRET.length - MIN_SECRET_FRAGMENT + 1 }, (_, i) => SECRET.slice(i, i + MIN_SECRET_FRAGMENT));

describe('createStreamRedactor', () => {
  it('catches a secret and an unregistered key split across pieces, and emits held text at the end', () => {
    const text = `the key is ${SECRET} and sk-abcdefghijklmnop0123456789 ok`;
    const out = stream(cut(text, [14, 15, 30, 40, 52, 60]));
    expect(out.join('')).toBe('the key is *** and *** ok');
  });

  it('passes ordinary text through piece by piece, holding back only a possible start of a match', () => {
    const emitted: string[] = [];
    const r = createStreamRedactor((t) => emitted.push(t), { extra: [SECRET] });
    r.push('hello wor');
    expect(emitted).toEqual(['hello wor']);
    r.push('ld; s');
    expect(emitted).toEqual(['hello wor', 'ld; ']); // "s" could start "sk-…"
    r.push('urly'); // no character of the secret at the end: nothing held
    expect(emitted.join('')).toBe('hello world; surly');
    r.push(' Zq8'); // the start of the secret is held
    expect(emitted.join('')).toBe('hello world; surly ');
    r.end();
    expect(emitted.join('')).toBe('hello world; surly Zq8');
  });

  it('a held tail longer than maxHeldChars is emitted redacted as it stands', () => {
    const out: string[] = [];
    const r = createStreamRedactor((t) => out.push(t), { maxHeldChars: 16 });
    r.push(' sk-');
    r.push('a'.repeat(20));
    expect(out.join('').length).toBeGreaterThan(0);
    r.end();
    expect(out.join('')).toBe(redactText(` sk-${'a'.repeat(20)}`));
  });

  it(`property (seed ${SEED}): no fragment of the secret and no key shape leaks, whatever the cuts; clean text is unchanged`, () => {
    const word = fc.stringMatching(/^[a-z ]{0,12}$/);
    let withSecret = 0;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(word, fc.constant(SECRET), fc.constant('sk-'), fc.constant('Zq81xY'), fc.constant('sk-abcdefghij0123456789xyz')), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (parts, points) => {
          const text = parts.join('');
          const out = stream(cut(text, points)).join('');
          if (text.includes(SECRET)) withSecret++;
          for (const g of grams) expect(out).not.toContain(g);
          expect(out).not.toMatch(/(?<![A-Za-z0-9_])sk-(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}/);
          if (redactText(text, [SECRET]) === text) expect(out).toBe(text);
        },
      ),
      { numRuns: 400, seed: SEED },
    );
    expect(withSecret).toBeGreaterThan(20); // the generator does put the secret in
  });
});
