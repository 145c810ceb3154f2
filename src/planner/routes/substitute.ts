/**
 * Route inputs: `{{match.<group>}}` (a captured group: `{{match.0}}` the whole match, `{{match.1}}`,
 * `{{match.name}}`) and `{{event.<path>}}` (the event's data: `{{event.env}}`, `{{event.items.0}}`,
 * `{{event}}` all of it) in a route's plan or action inputs are replaced when the route matches.
 * A string that is exactly one placeholder takes the value with its JSON type; a placeholder inside
 * a longer string is replaced by the value's text (JSON for objects and arrays). Other `{{…}}`
 * (step output references) are left for the runtime.
 */

/** What placeholders can name. */
export interface RouteScope {
  match?: Record<string, string | undefined>;
  event?: unknown;
}

const PLACEHOLDER = /\{\{\s*(match|event)((?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;
const WHOLE = /^\{\{\s*(match|event)((?:\.[A-Za-z0-9_-]+)*)\s*\}\}$/;

/** The value at `root.path` in the scope (undefined when absent). */
function lookup(scope: RouteScope, root: string, path: string): unknown {
  let v: unknown = root === 'match' ? scope.match : scope.event;
  for (const key of path.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const textOf = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

/** `value` with every placeholder replaced (a deep copy; nothing else changes). */
export function substituteRouteInputs<T>(value: T, scope: RouteScope): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = WHOLE.exec(v);
      if (whole) return lookup(scope, whole[1]!, whole[2]!) ?? null;
      return v.replace(PLACEHOLDER, (_m, root: string, path: string) => textOf(lookup(scope, root, path)));
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
