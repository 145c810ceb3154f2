/**
 * Neutralising terminal control sequences in text the CLI prints for people. Step outputs, error
 * messages, answers, titles and plan inputs come from actions, models and plan files; printed raw,
 * an ESC or C1 byte in them could move the cursor, rewrite earlier lines, retitle the window or hide
 * text (including the approval prompt). Every human renderer passes such data through `safeText`;
 * JSON output needs nothing (JSON escapes control characters).
 */

/** Options of `safeText`. */
export interface SafeTextOptions {
  /** Keep `\n` (multi-line answers); otherwise it is shown as `␊` like any other control. */
  multiline?: boolean;
}

// C0 controls (U+0000–U+001F), DEL, C1 controls (U+0080–U+009F), and the bidirectional overrides and
// isolates that reorder what is displayed (U+202A–U+202E, U+2066–U+2069).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string, multiline: boolean): string {
  const code = ch.codePointAt(0)!;
  if (ch === '\n' && multiline) return ch;
  if (ch === '\t') return ' ';
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␛ for ESC, ␇ for BEL, …
  if (code === 0x7f) return '\u2421'; // ␡
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character replaced by a visible stand-in, so it cannot act on the
 * terminal: C0 controls become their Unicode control pictures (ESC → `␛`), a tab a space, DEL `␡`,
 * C1 controls and bidi overrides a `\uXXXX` text. `\n` is kept only with `multiline`. Printable text
 * (any script, emoji) is unchanged.
 */
export function safeText(text: string, options: SafeTextOptions = {}): string {
  const multiline = options.multiline === true;
  return text.replace(CONTROLS, (ch) => visible(ch, multiline));
}
