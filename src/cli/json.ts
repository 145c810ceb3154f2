/** JSON output of the CLI: bigints (revisions, positions) are written as decimal strings. */

/** Serialises `value` as one line of JSON, bigints as strings. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
