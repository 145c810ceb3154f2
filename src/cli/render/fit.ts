/** Text fitted to a column of the CLI's tables, measured as a terminal shows it. */
import stringWidth from 'string-width';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * `s` padded with spaces (or cut with …) to exactly `width` terminal columns, measured with
 * string-width (wide CJK and emoji take two columns, combining marks none). `s` holds no escapes.
 */
export function fit(s: string, width: number): string {
  const w = stringWidth(s);
  if (w <= width) return s + ' '.repeat(width - w);
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(s)) {
    const sw = stringWidth(segment);
    if (used + sw > width - 1) break;
    out += segment;
    used += sw;
  }
  return `${out}…${' '.repeat(width - 1 - used)}`;
}
