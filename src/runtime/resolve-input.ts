/**
 * Resolving a step's input references at run time (`{{steps.<id>.output...}}`, syntax in
 * src/plan/plan-schema.ts) without paying for it when the input has none: `resolveRefs` copies the
 * whole input and indexes every completed output on each call, and most inputs hold no reference.
 */
import { resolveRefs } from '../plan/refs.ts';

/**
 * Whether any string inside `value` (depth-first over arrays and plain objects) contains `{{` —
 * the only strings `resolveRefs` looks at. False means `resolveRefs` would return an equal copy.
 */
export function mayHoldRefs(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(mayHoldRefs);
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) if (mayHoldRefs(v)) return true;
  }
  return false;
}

/**
 * `resolveRefs(input, outputs(), options)`, or `input` itself when it holds no reference (equal
 * data; `outputs` is then not called). Inputs are plain JSON data that nobody mutates.
 * @throws ReferenceResolutionError as `resolveRefs` (code `INPUT_REFERENCE`).
 */
export function resolveStepInput<T>(input: T, outputs: () => Readonly<Record<string, unknown>>, options: { stepId?: string } = {}): T {
  return mayHoldRefs(input) ? resolveRefs(input, outputs(), options) : input;
}
