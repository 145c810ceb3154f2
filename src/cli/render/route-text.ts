/**
 * The line `show` prints under an interaction whose planner consulted routes: which route chose
 * its plan (name or position, what it matched on, what it runs), or that none matched.
 */
import { basename } from 'node:path';
import type { FactData } from '../../index.ts';
import type { Colors } from '../io.ts';
import { safeText } from './safe-text.ts';

/** A `RouteEvaluated` fact's data. */
export type RouteEvaluatedData = FactData<'RouteEvaluated'>;

/** E.g. `route say (#1, regex /^say (\w+)$/) → plan say.yaml, no planner call` or `no route matched → planner`. */
export function routeLine(c: Colors, r: RouteEvaluatedData): string {
  const m = r.route;
  if (m === null) return `  ${c.dim('routes')} no route of ${safeText(basename(r.routes))} matched → ${r.fallback === 'planner' ? 'planner' : 'no planner (failed)'}`;
  const on = m.on === 'regex' ? `regex /${m.pattern}/` : `event ${m.pattern}`;
  const target = m.plan !== undefined ? `plan ${basename(m.plan)}` : `action ${m.action ?? '?'}`;
  return `  ${c.dim('route')} ${safeText(m.name ?? `#${m.index + 1}`)} (#${m.index + 1}, ${safeText(on)}) → ${safeText(target)}, no planner call`;
}
