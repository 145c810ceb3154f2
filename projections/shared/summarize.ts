/** Short, human-readable summaries of JSON values (step outputs, inputs) for tables and lists. */

/** Default largest summary, in characters (UTF-16 code units). */
export const SUMMARY_MAX_CHARS = 160;

/**
 * A one-line summary of a JSON value: a string as-is, anything else as compact JSON; newlines become
 * spaces, and the result is cut to `maxChars` (ending in `…` when cut). `undefined` → `''`;
 * values JSON cannot render (cycles, bigint) → `'[unserialisable]'`.
 */
export function summarizeJson(value: unknown, maxChars: number = SUMMARY_MAX_CHARS): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined) return '';
  else {
    try {
      text = JSON.stringify(value) ?? '';
    } catch {
      return '[unserialisable]';
    }
  }
  text = text.replace(/\s*\n\s*/g, ' ');
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}
