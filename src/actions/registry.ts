/**
 * The action registry: the set of actions a plan may name. Built-ins and user actions register the
 * same way; the planner prompt is built from `describe()` (names, descriptions, JSON schemas of inputs).
 */
import { z } from 'zod';
import type { Action } from './action.ts';
import { ActionRegistryError, UnknownActionError } from './errors.ts';

/** An action as a planner sees it (`ActionRegistry.describe`): name, description, JSON schema of its input. */
export interface ActionDescriptor {
  name: string;
  description: string;
  inputSchema: unknown;
  requiresApproval: boolean;
}

/**
 * Action names: 1–64 chars, lowercase letters/digits/`_`/`-` in dot-separated segments, e.g.
 * `fs.read`; or an MCP tool's action, `mcp__<server>__<tool>` (up to 160 chars; the tool part as MCP
 * allows tool names: letters of either case, digits, `_`, `-`, `.`).
 */
export const ACTION_NAME_PATTERN =
  /^(?:(?=.{1,64}$)[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*|(?=.{1,160}$)mcp__[a-z0-9]+(?:[-_][a-z0-9]+)*__[A-Za-z0-9_.-]+)$/;

/** A mutable set of actions keyed by name. */
export interface ActionRegistry {
  /**
   * Adds an action. Its input schema is converted to JSON schema now, so a schema the planner
   * cannot see fails here rather than at planning time.
   * @throws ActionRegistryError (code `ACTION_REGISTRY_INVALID`) for a malformed name (see
   *   `ACTION_NAME_PATTERN`), a name already registered, or a malformed action object.
   */
  register(action: Action): void;
  /** @throws UnknownActionError (code `UNKNOWN_ACTION`) listing the registered names. */
  get(name: string): Action;
  has(name: string): boolean;
  /** Actions in registration order. */
  list(): Action[];
  /** What the planner sees, in registration order (`inputSchema`: JSON schema, draft 2020-12, input side). */
  describe(): ActionDescriptor[];
}

/**
 * Creates a registry holding `actions` (registered in order; same errors as `register`).
 */
export function createActionRegistry(actions: readonly Action[] = []): ActionRegistry {
  const entries = new Map<string, { action: Action; descriptor: ActionDescriptor }>();

  const registry: ActionRegistry = {
    register(action) {
      const descriptor = checkAction(action);
      if (entries.has(action.name)) throw new ActionRegistryError(action.name, 'already registered');
      entries.set(action.name, { action, descriptor });
    },
    get(name) {
      const e = entries.get(name);
      if (!e) throw new UnknownActionError(name, [...entries.keys()]);
      return e.action;
    },
    has: (name) => entries.has(name),
    list: () => [...entries.values()].map((e) => e.action),
    describe: () => [...entries.values()].map((e) => ({ ...e.descriptor })),
  };
  for (const a of actions) registry.register(a);
  return registry;
}

function isZodSchema(v: unknown): v is z.ZodType {
  return typeof v === 'object' && v !== null && typeof (v as { safeParse?: unknown }).safeParse === 'function' &&
    typeof (v as { _zod?: unknown })._zod === 'object';
}

/** Validates the shape of an action and computes its descriptor. */
function checkAction(action: Action): ActionDescriptor {
  if (typeof action !== 'object' || action === null) throw new ActionRegistryError(String(action), 'not an object');
  const name: unknown = action.name;
  if (typeof name !== 'string' || !ACTION_NAME_PATTERN.test(name)) {
    throw new ActionRegistryError(
      String(name),
      'malformed name: 1–64 characters, lowercase letters, digits, "_" and "-" in dot-separated segments (e.g. "fs.read")',
    );
  }
  if (typeof action.description !== 'string' || action.description.trim() === '') {
    throw new ActionRegistryError(name, 'description must be a non-empty string');
  }
  if (!isZodSchema(action.input)) throw new ActionRegistryError(name, '`input` must be a zod schema');
  if (!isZodSchema(action.output)) throw new ActionRegistryError(name, '`output` must be a zod schema');
  if (typeof action.run !== 'function') throw new ActionRegistryError(name, '`run` must be a function');
  if (action.approvalReason !== undefined && typeof action.approvalReason !== 'function') {
    throw new ActionRegistryError(name, '`approvalReason` must be a function when present');
  }
  if (action.estimateCost !== undefined && typeof action.estimateCost !== 'function') {
    throw new ActionRegistryError(name, '`estimateCost` must be a function when present');
  }
  const given: unknown = action.inputJsonSchema;
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    throw new ActionRegistryError(name, '`inputJsonSchema` must be a JSON Schema object when present');
  }
  const inputSchema = given ?? inputJsonSchemaOf(name, action.input);
  return { name, description: action.description, inputSchema, requiresApproval: action.requiresApproval === true };
}

/** The input schema as JSON Schema (draft 2020-12, input side). @throws ActionRegistryError when it cannot be converted. */
function inputJsonSchemaOf(name: string, input: z.ZodType): unknown {
  try {
    return z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' });
  } catch (err) {
    throw new ActionRegistryError(name, `input schema cannot be converted to JSON schema: ${(err as Error).message}`, { cause: err });
  }
}
