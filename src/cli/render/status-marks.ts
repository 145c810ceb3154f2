/**
 * One-character marks and colours of step statuses, shared by the live table, `show` and the DAG.
 * Loads no package (`fit`, which measures any text with string-width, is in fit.ts).
 */
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

/**
 * `s` padded with spaces (or cut with …) to exactly `width` columns, for text that is printable ASCII
 * (ids, which match `ID_PATTERN`, numbers, ISO times, fixed words): one column per character, as
 * `fit` (render/fit.ts) measures it, without loading string-width.
 */
export function fitAscii(s: string, width: number): string {
  if (s.length <= width) return s + ' '.repeat(width - s.length);
  return width <= 0 ? '' : `${s.slice(0, width - 1)}…`;
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
