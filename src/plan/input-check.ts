/**
 * Plan-time checks of one step's input: its output references and its action's input schema.
 *
 * What is checked:
 * 1. Every `{{steps.…` occurrence parses (see `refs.ts`).
 * 2. A referenced step exists and is an ancestor of this step (reachable through `dependsOn`);
 *    `$winner` is used only by any-join steps, and stands for every candidate of the join below (a
 *    path must be possible in one of their outputs; the types produced are their union); a
 *    candidate of the step's own any-join is not named directly.
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
import { anyJoinCandidates, WINNER_REF } from './dependencies.ts';
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
 * The steps a reference of `step` may read (one, or every candidate of its any-join for
 * `$winner`), or undefined after reporting through `bad` why it may read none: an unknown step, the
 * step itself, a step that is not an ancestor, `$winner` outside an any-join, or a candidate of the
 * step's own any-join named directly (it may lose and never complete; `$winner` is the way).
 */
function referencedSteps(step: StepSpec, id: string, ctx: InputCheckContext, bad: (message: string) => void, text: string): readonly string[] | undefined {
  const candidates = anyJoinCandidates(step.dependsOn);
  if (id === WINNER_REF) {
    if (candidates === undefined) bad(`${text}: $winner names the winner of an any-join, and '${step.id}' has none (dependsOn: { any: [...] })`);
    return candidates;
  }
  if (!ctx.stepIds.has(id)) bad(`${text} refers to step '${id}', which is not in the plan`);
  else if (id === step.id) bad(`${text}: a step cannot use its own output`);
  else if (candidates?.includes(id)) bad(`${text} refers to '${id}', a candidate of the any-join of '${step.id}', which may lose and never complete; use {{steps.$winner.output…}}`);
  else if (!ctx.ancestors().isAncestor(step.id, id)) bad(`${text} refers to step '${id}', which is not an ancestor of '${step.id}' (add it to dependsOn)`);
  else return [id];
  return undefined;
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
      const producers = referencedSteps(step, ref.stepId, ctx, bad, ref.text);
      if (producers === undefined) continue;
      const shapes = producers.flatMap((id) => {
        const producer = ctx.actionOf.get(id);
        return producer ? [{ producer, at: schemaAtPath(producer.output as z.core.$ZodType, ref.path, 'output') }] : [];
      });
      if (shapes.length < producers.length) continue; // unknown action: reported elsewhere
      const possible = shapes.filter((x) => x.at.kind !== 'missing');
      if (possible.length === 0) {
        const { producer, at } = shapes[0]!;
        const whose = ref.stepId === WINNER_REF ? `any-join candidate '${producers[0]}' (nor of any other)` : `step '${ref.stepId}'`;
        bad(`${ref.text}: the output of ${whose} (action ${producer.name}) cannot have '${ref.path.join('.')}': ${(at as { reason: string }).reason}`);
        continue;
      }
      const consumer = jsonTypesAt(schemaAtPath(action.input as z.core.$ZodType, site.path.map(String), 'input'), 'input');
      if (consumer.size === 0) continue; // the field itself is refused: the schema parse below reports it
      if (site.whole) {
        const produced = new Set(possible.flatMap((x) => [...jsonTypesAt(x.at, 'output')]));
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
