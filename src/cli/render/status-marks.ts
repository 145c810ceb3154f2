/** One-character marks and colours of step statuses, shared by the live table, `show` and the DAG. */
import stringWidth from 'string-width';
import type { Colors } from '../io.ts';

/** Mark of a step status: ✓ completed, ✗ failed, ⊘ cancelled, ▶ running, ⏸ waiting for approval, ○ ready, · pending. */
export function statusMark(status: string): string {
  switch (status) {
    case 'completed':
      return '✓';
    case 'failed':
      return '✗';
    case 'cancelled':
      return '⊘';
    case 'running':
      return '▶';
    case 'waiting_approval':
      return '⏸';
    case 'ready':
      return '○';
    default:
      return '·';
  }
}

/** `text` coloured for `status` (green done, red failed, yellow waiting, cyan running, dim otherwise). */
export function colorFor(c: Colors, status: string, text: string): string {
  switch (status) {
    case 'completed':
      return c.green(text);
    case 'failed':
      return c.red(text);
    case 'cancelled':
      return c.magenta(text);
    case 'running':
      return c.cyan(text);
    case 'waiting_approval':
    case 'waiting_input':
    case 'interrupted':
      return c.yellow(text);
    default:
      return c.dim(text);
  }
}

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

/** USD with 4 decimals: `$0.0123`. */
export function usd(n: number): string {
  return `$${n.toFixed(4)}`;
}

/** A duration: `850ms`, `1.2s`, `3m04s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}
