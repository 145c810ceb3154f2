/**
 * Machines as data, for Stately Studio and for rebuilding: a machine's config (what `createMachine`
 * takes, `initial` a state name) with every inline guard and action replaced by a generated name
 * (`<state path>:<event>#<i>:guard`, `…:action<j>`, `<state path>:entry<j>` / `exit<j>`), and the
 * implementations those names (and the names the machine already used) stand for.
 * `createMachine(config, implementations)` is then the same machine, except for a `context` given
 * as a function (a factory of the input): functions are not data, so it is left out of the config
 * and returned as `context` beside the implementations.
 */
import type { AnyStateMachine } from 'xstate';
import { defaultMachines } from '../history/fold/fold-types.ts';

/** The data and the code of one machine. */
export interface MachineExport {
  /** JSON-safe config: `id`, `initial`, `states`, `on`, guards and actions by name. */
  config: Record<string, unknown>;
  /** Named guards and actions, for `createMachine(config, { guards, actions })`. */
  implementations: { guards: Record<string, unknown>; actions: Record<string, unknown> };
  /** The config's `context` when it is a function of the input (else undefined). */
  context?: unknown;
}

type Json = Record<string, unknown>;

/** Splits `machine`'s config into data and named implementations (see the module doc). */
export function exportMachine(machine: AnyStateMachine): MachineExport {
  const impl = machine.implementations as { guards?: Json; actions?: Json };
  const guards: Json = { ...impl.guards };
  const actions: Json = { ...impl.actions };
  const name = (table: Json, key: string, fn: unknown): string => {
    table[key] = fn;
    return key;
  };
  const actionList = (value: unknown, at: string): unknown => {
    const list = Array.isArray(value) ? value : [value];
    const named = list.map((a, j) => (typeof a === 'function' ? name(actions, `${at}${j}`, a) : a));
    return Array.isArray(value) ? named : named[0];
  };
  const transition = (t: unknown, at: string): unknown => {
    if (typeof t === 'string' || t === undefined || t === null) return t;
    if (Array.isArray(t)) return t.map((x, i) => transition(x, `${at}#${i}`));
    const out: Json = { ...(t as Json) };
    if (typeof out['guard'] === 'function') out['guard'] = name(guards, `${at}:guard`, out['guard']);
    if (out['actions'] !== undefined) out['actions'] = actionList(out['actions'], `${at}:action`);
    return out;
  };
  const node = (n: Json, path: string): Json => {
    const out: Json = {};
    for (const [k, v] of Object.entries(n)) {
      if (k === 'states') out[k] = Object.fromEntries(Object.entries(v as Json).map(([s, c]) => [s, node(c as Json, path ? `${path}.${s}` : s)]));
      else if (k === 'on') out[k] = Object.fromEntries(Object.entries(v as Json).map(([e, t]) => [e, transition(t, `${path || '(root)'}:${e}`)]));
      else if (k === 'always' || k === 'onDone') out[k] = transition(v, `${path || '(root)'}:${k}`);
      else if (k === 'entry' || k === 'exit') out[k] = actionList(v, `${path || '(root)'}:${k}`);
      else if (k === 'context' && typeof v === 'function') continue;
      else out[k] = v;
    }
    return out;
  };
  const raw = machine.config as Json;
  const config = JSON.parse(JSON.stringify(node(raw, ''))) as Json;
  return { config, implementations: { guards, actions }, ...(typeof raw['context'] === 'function' ? { context: raw['context'] } : {}) };
}

/** The runtime's three machines exported (see `exportMachine`), keyed `thread`, `interaction`, `step`. */
export function machineExports(): Record<'thread' | 'interaction' | 'step', MachineExport> {
  return { thread: exportMachine(defaultMachines.thread), interaction: exportMachine(defaultMachines.interaction), step: exportMachine(defaultMachines.step) };
}
