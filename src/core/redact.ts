/**
 * Secret redaction: the one filter every recorded fact (the runtime's draft) and every CLI error
 * line passes through, and the OpenAI client's errors and log lines.
 *
 * What is replaced by `***`:
 * - every registered secret (`registerSecret`, e.g. the API key an OpenAI client was created with)
 *   and every substring of it at least `MIN_SECRET_FRAGMENT` (8) characters long, so an endpoint
 *   quoting part of a key (`Incorrect API key provided: sk-abc123**…wxyz`) leaks none of it;
 *   secrets shorter than 8 characters are not registered; passed explicitly to `redactText`, they
 *   are replaced as a whole (4 characters at least);
 * - anything shaped like an API key even when not registered: `sk-` followed by 20 or more of
 *   `[A-Za-z0-9_-]` with at least one digit (OpenAI `sk-…`/`sk-proj-…`, Anthropic `sk-ant-…`,
 *   OpenRouter `sk-or-…`), and masked quotes such as `sk-abc1****wxyz`.
 *
 * The registry is process-wide: a secret registered once is redacted from everything recorded
 * afterwards by this process.
 */

/** Replacement text of a redacted secret or fragment. */
export const REDACTED = '***';

/** Shortest substring of a registered secret that is redacted, characters. */
export const MIN_SECRET_FRAGMENT = 8;

/** Key shapes redacted whether registered or not (see the module doc). */
const KEY_SHAPES = /\bsk-(?:(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}|[A-Za-z0-9_-]*\*{3,}[A-Za-z0-9_-]*)/g;

const registered = new Set<string>();

/**
 * Adds a secret to the process-wide registry (see the module doc). Values shorter than 8 characters
 * (after trimming), undefined and null are ignored: such "keys" are the dummies keyless servers
 * accept (`ollama`, `none`), and redacting them would rewrite ordinary words in every fact.
 */
export function registerSecret(secret: string | null | undefined): void {
  if (typeof secret === 'string' && secret.trim().length >= MIN_SECRET_FRAGMENT) registered.add(secret);
}

/** The registered secrets (for tests and for callers combining them with their own). */
export function registeredSecrets(): string[] {
  return [...registered];
}

/**
 * `text` with every registered secret (plus `extra` ones), every fragment of one at least 8
 * characters long, and every key-shaped string replaced by `***` (see the module doc).
 * Returns `text` itself when nothing matched.
 */
export function redactText(text: string, extra: readonly (string | null | undefined)[] = []): string {
  // every key shape starts with `sk-`: without a secret to look for, most texts need no regex run
  if (registered.size === 0 && extra.length === 0 && !text.includes('sk-')) return text;
  let out = text;
  const secrets = extra.length === 0 ? registered : new Set([...registered, ...extra.filter((s): s is string => typeof s === 'string' && s.length >= 4)]);
  for (const secret of secrets) out = redactSecret(out, secret);
  KEY_SHAPES.lastIndex = 0;
  return KEY_SHAPES.test(out) ? out.replace(KEY_SHAPES, REDACTED) : out;
}

/**
 * A copy of a JSON-like value with `redactText` applied to every string (object keys included);
 * the same object (not a copy) when nothing changed, so the common case allocates nothing.
 */
export function redactDeep<T>(value: T, extra: readonly (string | null | undefined)[] = []): T {
  return walk(value, extra) as T;
}

function walk(value: unknown, extra: readonly (string | null | undefined)[]): unknown {
  if (typeof value === 'string') return redactText(value, extra);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = walk(value[i], extra);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return copy ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  // a key loop (own enumerable keys, in order, as Object.keys: without its array) that copies only
  // once something changed (as Object.fromEntries of the entries would)
  const rec = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k in rec) {
    if (!Object.hasOwn(rec, k)) continue;
    const v = rec[k];
    const key = redactText(k, extra);
    const w = walk(v, extra);
    if (out === undefined && (key !== k || w !== v)) {
      out = {};
      for (const j in rec) {
        if (j === k) break;
        if (Object.hasOwn(rec, j)) setOwn(out, j, rec[j]);
      }
    }
    if (out !== undefined) setOwn(out, key, w);
  }
  return out ?? value;
}

/** `rec[key] = value` as an own data property, also for `__proto__` (which assignment would treat as the prototype). */
function setOwn(rec: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
  else rec[key] = value;
}

const gramCache = new Map<string, Set<string>>();

/** The distinct 8-character windows of `secret` (cached per secret). */
function gramsOf(secret: string): Set<string> {
  let grams = gramCache.get(secret);
  if (grams === undefined) {
    grams = new Set();
    for (let i = 0; i + MIN_SECRET_FRAGMENT <= secret.length; i++) grams.add(secret.slice(i, i + MIN_SECRET_FRAGMENT));
    gramCache.set(secret, grams);
  }
  return grams;
}

/** `text` with `secret` and its fragments of ≥ MIN_SECRET_FRAGMENT characters replaced. */
function redactSecret(text: string, secret: string): string {
  if (text.length < Math.min(secret.length, MIN_SECRET_FRAGMENT)) return text;
  if (secret.length < MIN_SECRET_FRAGMENT) return text.includes(secret) ? text.split(secret).join(REDACTED) : text;
  // Every character of a fragment of length ≥ 8 lies in one of the fragment's 8-character windows,
  // each of which is a window of the secret: mark every occurrence of every window, then replace
  // each marked run once.
  const grams = gramsOf(secret);
  let covered: Uint8Array | undefined;
  const mark = (at: number): void => void (covered ??= new Uint8Array(text.length)).fill(1, at, at + MIN_SECRET_FRAGMENT);
  if (text.length - MIN_SECRET_FRAGMENT < grams.size) {
    for (let at = 0; at + MIN_SECRET_FRAGMENT <= text.length; at++) if (grams.has(text.slice(at, at + MIN_SECRET_FRAGMENT))) mark(at);
  } else {
    for (const gram of grams) for (let at = text.indexOf(gram); at !== -1; at = text.indexOf(gram, at + 1)) mark(at);
  }
  if (covered === undefined) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (covered[i] === 1) {
      while (i < text.length && covered[i] === 1) i++;
      out += REDACTED;
    } else {
      const start = i;
      while (i < text.length && covered[i] !== 1) i++;
      out += text.slice(start, i);
    }
  }
  return out;
}
