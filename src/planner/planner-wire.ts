/**
 * The LLM-facing ("wire") form of `PlannerOutput` and its conversion back.
 *
 * OpenAI strict structured outputs need a root object (no union), every property required and no
 * free-form objects (`additionalProperties: false` everywhere). So the wire form is one flat
 * object: `kind` plus every branch's field, unused ones `null`; optional fields are nullable; a
 * step's free-form `input` travels as a JSON string `inputJson`, and an any-join (`dependsOn:
 * { any: ids }`, a union) as a separate nullable `dependsOnAny`. Budget, cost estimates and
 * approval timeouts and the `interruptBefore`/`interruptAfter` pause points are deliberately not
 * offered to the model (a model must not set its own budget nor decide where a human looks), and a
 * reply that sets them anyway (non-strict servers) has them dropped; `requiresApproval` is offered
 * (it can only add a human check). Keys nobody knows (`requireApproval`) are schema issues.
 *
 * `parsePlannerReply` turns a reply text into a validated `PlannerOutput` or a list of issues that
 * the repair prompt sends back.
 */
import { z } from 'zod';
import { zodResponseFormat } from 'openai/helpers/zod';
import { PlannerOutput } from '../plan/planner-output.ts';
import { PlanSpec, StepSpec } from '../plan/plan-schema.ts';
import { formatZodIssues } from './zod-issues.ts';

const WireRetry = z.object({
  maxAttempts: z.number().int().describe('attempts in total, >= 1'),
  backoffMs: z.number().int().describe('delay before the 2nd attempt, ms; doubles each attempt'),
  maxBackoffMs: z.number().int().describe('largest delay, ms'),
});

const WireStep = z.object({
  id: z.string().describe('unique step id: letters, digits, _ . -'),
  action: z.string().describe('name of one of the available actions'),
  inputJson: z.string().describe('the action input as a JSON object encoded in a string, e.g. "{\\"path\\":\\"a.txt\\"}"'),
  dependsOn: z.array(z.string()).describe('ids of steps that must complete first'),
  dependsOnAny: z
    .array(z.string())
    .nullable()
    .describe('an any-join instead of dependsOn: ids of steps of which the first to complete starts this step (the others are cancelled); its input reads that winner as {{steps.$winner.output}}; null for none'),
  priority: z.number().int().nullable(),
  retry: WireRetry.nullable(),
  timeoutMs: z.number().int().nullable(),
  requiresApproval: z.boolean().nullable(),
  description: z.string().nullable(),
});

const WirePlan = z.object({
  title: z.string().nullable(),
  steps: z.array(WireStep),
  maxConcurrency: z.number().int().nullable(),
  failurePolicy: z.enum(['fail_fast', 'continue']).nullable(),
  requiresApproval: z.boolean().nullable(),
});

/** The wire schema (zod) the model answers in; see the module doc. */
export const WirePlannerOutput = z.object({
  kind: z.enum(['single_action', 'mini_plan', 'done', 'need_input']),
  thought: z.string().nullable().describe('short reasoning, optional'),
  step: WireStep.nullable().describe('kind single_action: the one step to run; else null'),
  plan: WirePlan.nullable().describe('kind mini_plan: the steps to run; else null'),
  answer: z.string().nullable().describe('kind done: the final answer; else null'),
  question: z.string().nullable().describe('kind need_input: the question for the user; else null'),
});
export type WirePlannerOutput = z.infer<typeof WirePlannerOutput>;

/** Name of the response format sent to the endpoint. */
export const PLANNER_FORMAT_NAME = 'planner_output';

/** `response_format` for strict structured outputs (OpenAI's zod helper, zod 4). */
export function plannerResponseFormat() {
  return zodResponseFormat(WirePlannerOutput, PLANNER_FORMAT_NAME);
}

/** The outcome of parsing one reply: a valid output, or issues (`path: message`). */
export type ParsedReply = { ok: true; output: PlannerOutput } | { ok: false; issues: string[] };

/**
 * Parses a reply: JSON → wire form → `PlannerOutput`. Nulls are dropped (they mean "absent"),
 * `inputJson` strings are parsed into `input` objects (an `input` object is accepted too, for
 * non-strict servers), then `PlannerOutput` validates. Never throws.
 */
export function parsePlannerReply(text: string): ParsedReply {
  let json: unknown;
  try {
    json = JSON.parse(stripCodeFence(text));
  } catch (err) {
    return { ok: false, issues: [`(root): the reply is not valid JSON: ${(err as Error).message}`] };
  }
  const issues: string[] = [];
  const value = dropNulls(json);
  if (isRecord(value)) {
    if (isRecord(value['step'])) decodeStep(value['step'], 'step', issues);
    const plan = value['plan'];
    if (isRecord(plan)) dropKeys(plan, WITHHELD_PLAN_KEYS);
    if (isRecord(plan) && Array.isArray(plan['steps'])) {
      plan['steps'].forEach((s, i) => isRecord(s) && decodeStep(s, `plan.steps[${i}]`, issues));
    }
  }
  const parsed = PlannerOutput.safeParse(value);
  if (!parsed.success) issues.push(...formatZodIssues(parsed.error.issues, value));
  return issues.length === 0 && parsed.success ? { ok: true, output: parsed.data } : { ok: false, issues };
}

/** Models on non-strict servers sometimes wrap JSON in a ```json fence; accept that. */
function stripCodeFence(text: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return m?.[1] ?? text;
}

/**
 * Plan and step fields the wire does not offer a model (budget, cost estimates, approval timeouts,
 * `interruptBefore`/`interruptAfter` pause points): a non-strict server's model can send them
 * anyway; they are dropped here, never passed to `PlannerOutput`. Any other key the wire does not
 * know reaches `PlannerOutput`, whose strict plan schema reports it (`unknown key …, did you mean …`)
 * for the repair prompt, as it does in plan files.
 */
const WITHHELD_STEP_KEYS: readonly string[] = Object.keys(StepSpec.shape).filter((k) => k !== 'input' && !Object.hasOwn(WireStep.shape, k));
const WITHHELD_PLAN_KEYS: readonly string[] = Object.keys(PlanSpec.shape).filter((k) => !Object.hasOwn(WirePlan.shape, k));

/** Deletes `keys` from `o` (in place); returns `o`. */
function dropKeys(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  for (const k of keys) delete o[k];
  return o;
}

/** A wire step (nulls already dropped) made a plan step in place: withheld keys dropped, input and any-join decoded. */
function decodeStep(step: Record<string, unknown>, where: string, issues: string[]): void {
  decodeInput(dropKeys(step, WITHHELD_STEP_KEYS), where, issues);
  decodeAnyJoin(step, where, issues);
}

/** `dependsOnAny: ids` → `dependsOn: { any: ids }`; giving both (a non-empty `dependsOn`) is an issue. */
function decodeAnyJoin(step: Record<string, unknown>, where: string, issues: string[]): void {
  if (!('dependsOnAny' in step)) return;
  const any = step['dependsOnAny'];
  delete step['dependsOnAny'];
  if (!Array.isArray(any)) {
    issues.push(`${where}.dependsOnAny: must be an array of step ids or null`);
    return;
  }
  const all = step['dependsOn'];
  if (Array.isArray(all) && all.length > 0) {
    issues.push(`${where}: give either dependsOn (wait for all) or dependsOnAny (wait for the first), not both`);
    return;
  }
  step['dependsOn'] = { any };
}

function decodeInput(step: Record<string, unknown>, where: string, issues: string[]): void {
  const raw = step['inputJson'];
  delete step['inputJson'];
  if (raw === undefined) return;
  if (typeof raw !== 'string') {
    issues.push(`${where}.inputJson: must be a string holding a JSON object`);
    return;
  }
  let input: unknown;
  try {
    input = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    issues.push(`${where}.inputJson: not valid JSON: ${(err as Error).message}`);
    return;
  }
  if (!isRecord(input)) issues.push(`${where}.inputJson: must encode a JSON object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  else step['input'] = input;
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
