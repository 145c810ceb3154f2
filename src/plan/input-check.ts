/**
 * Plan-time checks of one step's input: its output references and its action's input schema.
 *
 * What is checked:
 * 1. Every `{{steps.…` occurrence parses (see `refs.ts`).
 * 2. A referenced step exists and is an ancestor of this step (reachable through `dependsOn`).
 * 3. The reference's path can exist in the referenced action's *output schema* (`schemaAtPath`:
 *    declared keys, loose/record catchalls, array/tuple indices, any union option). This assumes the
 *    executor records outputs parsed by the action's output schema (zod objects strip undeclared keys).
 * 4. The input is parsed by the action's input schema with every reference-bearing string standing
 *    in as a placeholder; issues at or under a whole-value reference, or at an embedded-reference
 *    string, are dropped (unions: an option whose remaining issues are all dropped counts as a match).
 *    Everything else (missing required fields, unknown keys of strict objects, wrong literal values
 *    elsewhere) is reported with the step and field.
 * 5. Type compatibility of each reference site: a whole-value reference must be able to produce a
 *    JSON type the input schema accepts at that field (`jsonTypesOf`, coarse: string/number/boolean/
 *    null/object/array); an embedded reference needs a field that accepts strings.
 * Not checked: refinements, formats, lengths and ranges at reference sites (known only at run time,
 * where the executor parses the resolved input).
 */
import type { z } from 'zod';
import type { PlanIssue } from './errors.ts';
import { joinFieldPath } from './field-path.ts';
import type { AncestorIndex } from './graph.ts';
import type { StepSpec } from './plan-schema.ts';
import { collectRefs, type RefSite } from './refs.ts';
import { jsonTypesAt, schemaAtPath } from './schema-shape.ts';

/**
 * What the plan checks need of an action: its name and the zod schemas of its input and output.
 * The action registry's actions (`src/actions/action.ts`) have this shape; the plan layer does not
 * import them.
 */
export interface ActionSignature {
  name: string;
  input: z.ZodType;
  output: z.ZodType;
}

/** What the check needs to know about the rest of the plan. */
export interface InputCheckContext {
  /** Step id → its action (steps whose action is unknown are absent). */
  actionOf: ReadonlyMap<string, ActionSignature>;
  /** Ancestry of the plan's steps (built once per plan, only when some step has references). */
  ancestors(): AncestorIndex;
  /** All step ids of the plan. */
  stepIds: ReadonlySet<string>;
}

type Issue = { path: readonly PropertyKey[]; message: string; code?: string; errors?: Issue[][] };

const PLACEHOLDER = Symbol('output reference');

const samePrefix = (prefix: readonly PropertyKey[], path: readonly PropertyKey[]) =>
  prefix.length <= path.length && prefix.every((p, i) => p === path[i]);

/** Drops zod issues explained by reference sites; recurses into union branches. */
function remainingIssues(issues: readonly Issue[], base: readonly PropertyKey[], sites: readonly RefSite[]): Issue[] {
  const out: Issue[] = [];
  for (const iss of issues) {
    const full = [...base, ...iss.path];
    const covered = sites.some((s) => (s.whole ? samePrefix(s.path, full) : s.path.length === full.length && samePrefix(s.path, full)));
    if (covered) continue;
    if (iss.code === 'invalid_union' && iss.errors && iss.errors.length > 0) {
      if (iss.errors.some((branch) => remainingIssues(branch, full, sites).length === 0)) continue;
    }
    out.push({ ...iss, path: full });
  }
  return out;
}

function withPlaceholders(input: unknown, sites: readonly RefSite[]): unknown {
  const copy = structuredClone(input) as Record<string, unknown>;
  for (const s of sites) {
    if (!s.whole) continue;
    let parent: Record<string | number, unknown> = copy;
    s.path.slice(0, -1).forEach((k) => (parent = parent[k] as Record<string | number, unknown>));
    parent[s.path[s.path.length - 1]!] = PLACEHOLDER;
  }
  return copy;
}

/**
 * Checks `step` (at `index` in the plan) whose action is `action`.
 * @returns issues (kind `bad_reference` or `invalid_input`), each with the step id and a field path
 *   like `steps[3].input.url`; empty when the input is acceptable.
 */
export function checkStepInput(step: StepSpec, index: number, action: ActionSignature, ctx: InputCheckContext): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const field = (path: readonly PropertyKey[]) => joinFieldPath(`steps[${index}].input`, path);
  const sites = collectRefs(step.input, ctx.stepIds);
  for (const site of sites) {
    const f = field(site.path);
    const bad = (message: string) => issues.push({ kind: 'bad_reference', stepId: step.id, field: f, message });
    if (site.malformed) bad(site.malformed);
    for (const ref of site.refs) {
      if (!ctx.stepIds.has(ref.stepId)) {
        bad(`${ref.text} refers to step '${ref.stepId}', which is not in the plan`);
        continue;
      }
      if (ref.stepId === step.id) {
        bad(`${ref.text}: a step cannot use its own output`);
        continue;
      }
      if (!ctx.ancestors().isAncestor(step.id, ref.stepId)) {
        bad(`${ref.text} refers to step '${ref.stepId}', which is not an ancestor of '${step.id}' (add it to dependsOn)`);
        continue;
      }
      const producer = ctx.actionOf.get(ref.stepId);
      if (!producer) continue; // unknown action: reported elsewhere
      const at = schemaAtPath(producer.output as z.core.$ZodType, ref.path, 'output');
      if (at.kind === 'missing') {
        bad(`${ref.text}: the output of step '${ref.stepId}' (action ${producer.name}) cannot have '${ref.path.join('.')}': ${at.reason}`);
        continue;
      }
      const consumer = jsonTypesAt(schemaAtPath(action.input as z.core.$ZodType, site.path.map(String), 'input'), 'input');
      if (consumer.size === 0) continue; // the field itself is refused: the schema parse below reports it
      if (site.whole) {
        const produced = jsonTypesAt(at, 'output');
        if (![...produced].some((t) => consumer.has(t))) {
          bad(`${ref.text} yields ${[...produced].join(' | ') || 'no JSON value'}, but the field accepts ${[...consumer].join(' | ')}`);
        }
      } else if (!consumer.has('string')) {
        bad(`text with an embedded reference is a string, but the field accepts ${[...consumer].join(' | ')}`);
      }
    }
  }
  const parsed = action.input.safeParse(withPlaceholders(step.input, sites));
  if (!parsed.success) {
    for (const iss of remainingIssues(parsed.error.issues as unknown as Issue[], [], sites)) {
      issues.push({ kind: 'invalid_input', stepId: step.id, field: field(iss.path), message: `${iss.message} (action ${action.name})` });
    }
  }
  return issues;
}
