/** JSON output of the CLI: bigints (revisions, positions) are written as decimal strings. */

const bigintsAsStrings = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/**
 * Serialises `value` as one line of JSON, bigints as strings. Values without a bigint go through
 * `JSON.stringify` alone (a replacer costs a call per key); `JSON.stringify` refuses a bigint with a
 * TypeError, and only then is the value serialised again with the replacer.
 */
export function toJsonLine(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(value, bigintsAsStrings);
  }
}
