import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactDeep, redactText, registerSecret, registeredSecrets } from '../../src/core/redact.ts';

const KEY = 'sk-proj-Zq81xYtRw5Lm0PaVb7Kc3NdEe9FgHh2J';
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** redactDeep as a plain recursion over `Object.keys` (the reference: copies every object and array). */
function reference(value: unknown, extra: string[]): unknown {
  if (typeof value === 'string') return redactText(value, extra);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => reference(v, extra));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) Object.defineProperty(out, redactText(k, extra), { value: reference((value as Record<string, unknown>)[k], extra), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Every object and array of `v`. */
const nodesOf = (v: unknown): unknown[] => (typeof v !== 'object' || v === null ? [] : [v, ...Object.values(v).flatMap(nodesOf)]);

describe('redactText', () => {
  it('redacts the whole key and any fragment of it of 8 characters or more', () => {
    expect(redactText(`key ${KEY} end`, [KEY])).toBe('key *** end');
    // a provider quoting the first 12 and last 4 characters, masked in between
    const quoted = `Incorrect API key provided: ${KEY.slice(0, 12)}${'*'.repeat(20)}${KEY.slice(-4)}.`;
    expect(redactText(quoted, [KEY])).not.toContain(KEY.slice(0, 12));
    // a fragment from the middle, not shaped like a key
    const middle = KEY.slice(10, 19);
    expect(redactText(`value=${middle};`, [KEY])).toBe('value=***;');
    // fragments shorter than 8 characters are left alone
    expect(redactText(`value=${KEY.slice(10, 17)};`, [KEY])).toBe(`value=${KEY.slice(10, 17)};`);
  });

  it('redacts key shapes that were never registered, masked quotes included', () => {
    expect(redactText('use sk-abcdefghijklmnop0123456789 now')).toBe('use *** now');
    expect(redactText('provided: sk-ab12***************wxyz.')).toBe('provided: ***.');
    expect(redactText('pip install scikit-learn; sk-learn is fine; task-1234567890123456789012')).toBe(
      'pip install scikit-learn; sk-learn is fine; task-1234567890123456789012',
    );
  });

  it('uses the process-wide registry', () => {
    registerSecret('no');
    registerSecret('ollama'); // a dummy key of a keyless server: not a secret, and a word
    registerSecret(undefined);
    expect(registeredSecrets()).toEqual([]);
    expect(redactText('served by ollama')).toBe('served by ollama');
    registerSecret('Registered-Secret-Value');
    expect(redactText('x Secret-Value y')).toBe('x *** y');
    expect(redactText('x Registered-Secret-Value y')).toBe('x *** y');
  });
});

describe('redactDeep', () => {
  it('redacts strings and keys at any depth, returning the same object when nothing matched', () => {
    const clean = { a: [1, 'two', { b: null }], c: true };
    expect(redactDeep(clean, [KEY])).toBe(clean);
    const dirty = { a: [1, `x${KEY.slice(3, 20)}`], nested: { [KEY]: 'v' }, same: clean };
    const out = redactDeep(dirty, [KEY]);
    expect(out).toEqual({ a: [1, 'x***'], nested: { '***': 'v' }, same: clean });
    expect(out.same).toBe(clean);
    expect(dirty.a[1]).toContain(KEY.slice(3, 20));
  });
});

describe('redactDeep', () => {
  it(`property (seed ${SEED}): equals a copy redacted key by key, in key order, and returns unchanged nodes themselves`, () => {
    const secretish = fc.constantFrom(KEY, `x${KEY.slice(3, 20)}y`, 'sk-abc1****wxyz', 'plain', '__proto__', '0', '10', 'b');
    const key = fc.oneof(secretish, fc.string({ maxLength: 4 }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.oneof(secretish, fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 5 })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const out = redactDeep(v, [KEY]);
        expect(out).toEqual(reference(v, [KEY]));
        expect(JSON.stringify(out)).toBe(JSON.stringify(reference(v, [KEY])));
        // a node nothing in changed is returned as it is
        if (JSON.stringify(out) === JSON.stringify(v) && nodesOf(v).every((n) => Object.keys(n as object).every((k) => redactText(k, [KEY]) === k))) expect(out).toBe(v);
      }),
      { numRuns: 1500, seed: SEED },
    );
  });
});

describe('CLI error lines', () => {
  it('are redacted of registered secrets and key shapes', async () => {
    const { formatCliError } = await import('../../src/cli/cli-errors.ts');
    registerSecret(KEY);
    const line = formatCliError(new Error(`endpoint said: bad key ${KEY.slice(0, 14)}…, try sk-abcdefghijklmnopq1234`), false);
    expect(line).toBe('orchestral: endpoint said: bad key ***…, try ***');
    expect(formatCliError(new Error(`x ${KEY}`), true)).not.toContain(KEY.slice(0, 14));
  });
});
