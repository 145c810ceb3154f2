/**
 * Secret redaction of text that arrives in pieces (streamed LLM answers shown live): the same
 * filter as `redactText` (src/core/redact.ts), applied so that no secret, no fragment of one and no
 * key-shaped string leaks even when it is split across pieces.
 *
 * How: the redactor holds back the shortest tail of the text received so far that could still
 * become part of a match — the longest suffix that is a substring of a registered (or `extra`)
 * secret, and a trailing key-shaped run (`s`, `sk`, `sk-…`) — and emits
 * the rest, redacted. Nothing before the held tail can be part of a future match (a match reaching
 * into later pieces would make a longer suffix a substring of the secret), so the pieces emitted
 * are the redaction of the whole text, cut at safe points (each part is redacted after the last
 * character emitted, so a key shape's word boundary is judged as in the whole text). Held text is emitted by the next piece
 * that makes it safe, or by `end()`. A held tail longer than `maxHeldChars` is emitted redacted
 * as it stands (a pathological run of key-like characters must not stall the stream).
 */
import { redactText, registeredSecrets } from './redact.ts';

/** A stateful redactor of one stream of text pieces. */
export interface StreamRedactor {
  /** Adds a piece; emits (through the `emit` callback) the part that is now safe, redacted, if any. */
  push(text: string): void;
  /** The stream ended: emits what is still held, redacted. Further pushes start a new stream. */
  end(): void;
}

/** Options of `createStreamRedactor`. */
export interface StreamRedactorOptions {
  /** Secrets redacted besides the registered ones (as `redactText`'s `extra`). */
  extra?: readonly (string | null | undefined)[];
  /** Longest tail held back, characters. Default 4096. */
  maxHeldChars?: number;
}

/**
 * A trailing run that could still grow into a key shape (`\bsk-…`, see redact.ts). Held whatever
 * precedes it: a secret redacted just before it becomes `***`, which makes a word boundary.
 */
const KEY_TAIL = /s(?:k(?:-[A-Za-z0-9_*-]*)?)?$/;

/**
 * Length of the longest suffix of `text` that occurs in `secret`. Grows from 1: a suffix occurs
 * only if every shorter one does, so the loop stops at the first miss (usually after 1–2 checks).
 */
function suffixInSecret(text: string, secret: string): number {
  const max = Math.min(text.length, secret.length);
  let k = 0;
  while (k < max && secret.includes(text.slice(text.length - k - 1))) k++;
  return k;
}

/**
 * A redactor calling `emit(redacted)` with each safe part of the stream, in order (see the module
 * doc). `emit` is called synchronously from `push` / `end`, never with an empty string.
 */
export function createStreamRedactor(emit: (text: string) => void, options: StreamRedactorOptions = {}): StreamRedactor {
  const extra = options.extra ?? [];
  const maxHeld = options.maxHeldChars ?? 4096;
  let held = '';
  /** The last character emitted (redacted): the left context a key shape's word boundary depends on. */
  let before = '';
  const flush = (upTo: number): void => {
    if (upTo <= 0) return;
    const part = held.slice(0, upTo);
    held = held.slice(upTo);
    const inContext = redactText(before + part, extra);
    const out = inContext.startsWith(before) ? inContext.slice(before.length) : redactText(part, extra);
    if (out.length === 0) return;
    before = out.slice(-1);
    emit(out);
  };
  return {
    push(text) {
      if (text.length === 0) return;
      held += text;
      let keep = KEY_TAIL.exec(held)?.[0].length ?? 0;
      const secrets = [...registeredSecrets(), ...extra.filter((s): s is string => typeof s === 'string' && s.length >= 4)];
      for (const secret of secrets) keep = Math.max(keep, suffixInSecret(held, secret));
      flush(keep > maxHeld ? held.length : held.length - keep);
    },
    end() {
      flush(held.length);
      before = '';
    },
  };
}
