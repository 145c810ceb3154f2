/**
 * Events as thread inputs. `orchestral emit <thread> <type> --data JSON` sends the input text
 * `event:<type> <data as compact JSON>`; a routing planner reads it back with `parseEventInput`
 * and matches `{ event: <type> }` routes. Any other planner sees the same text.
 */

/** Event types: 1–128 of letters, digits, `.`, `_`, `:`, `-`, `/`. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9._:/-]{1,128}$/;

/** An event: its type and data (any JSON value; `null` when none was given). */
export interface ThreadEvent {
  type: string;
  data: unknown;
}

/** The input text of an event. @throws Error for a type outside `EVENT_TYPE_PATTERN`. */
export function formatEventInput(event: ThreadEvent): string {
  if (!EVENT_TYPE_PATTERN.test(event.type)) throw new Error(`event type '${event.type}': expected 1–128 of A-Z a-z 0-9 . _ : - /`);
  return `event:${event.type} ${JSON.stringify(event.data ?? null)}`;
}

/** The event an input text carries, or undefined when it is not an event input. */
export function parseEventInput(text: string): ThreadEvent | undefined {
  const m = /^event:([A-Za-z0-9._:/-]{1,128}) ([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  try {
    return { type: m[1]!, data: JSON.parse(m[2]!) as unknown };
  } catch {
    return undefined;
  }
}
