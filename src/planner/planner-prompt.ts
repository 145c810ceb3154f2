/**
 * Builds the chat messages of a planning call from a `PlanningRequest` (pure; no I/O).
 *
 * - system: the planner's role, the answer contract (the wire form of `planner-wire.ts`), the
 *   output-reference syntax of `plan-schema.ts`, and the registry's actions (name, description,
 *   JSON schema of the input, approval flag). Stable across iterations of an interaction, so
 *   endpoints with prefix caching reuse it.
 * - user: the iteration, the input, inputs merged later (an answer to a need_input question shown
 *   with that question), and the observations so far, each output
 *   or error truncated to `maxObservationChars` characters.
 * Repairs append the invalid reply (assistant) and the validation issues (user).
 */
import type { Observation } from '../../machines/interaction.types.ts';
import type { ActionDescriptor } from '../actions/registry.ts';
import type { PlanningRequest } from './planner.ts';
import type { ChatMessage } from '../llm/openai-client.ts';

/** The default instructions; `systemPrompt` replaces this text (the action list is still appended). */
export const DEFAULT_SYSTEM_PROMPT = `You are the planner of an agent runtime. Each turn you choose what happens next, answering with one JSON object:
- kind "single_action": run one step (field "step"), then you will be asked again with its observation.
- kind "mini_plan": run several steps as a DAG (field "plan"); steps run in parallel unless "dependsOn" orders them.
- kind "done": the task is finished; "answer" is the final answer for the user.
- kind "need_input": you cannot continue without the user; "question" asks them.
Set the fields of other kinds to null. A step names one of the available actions in "action" and gives its input as a JSON object encoded in the string "inputJson", matching that action's input schema. Step ids are unique within a plan.
A step can use an upstream step's output: an input value "{{steps.<id>.output}}" or "{{steps.<id>.output.<path>}}" is replaced by that output (or the value at the dotted path) when the step runs; <id> must be a step it depends on (directly or transitively).
To race alternatives, give a step "dependsOnAny" (ids) instead of "dependsOn": it starts when the first of them completes, the others are cancelled, and its input reads the winner's output as "{{steps.$winner.output}}".
Use only the listed actions. Prefer few steps. When the observations answer the task, reply "done".`;

/** Options of `buildPlannerMessages`. */
export interface PromptOptions {
  /** Replaces `DEFAULT_SYSTEM_PROMPT`. */
  systemPrompt?: string;
  /** Longest rendering of one observation's output or error, characters (default 4000). */
  maxObservationChars?: number;
}

/** The system and user messages of a planning call (see the module doc). */
export function buildPlannerMessages(request: PlanningRequest, options: PromptOptions = {}): ChatMessage[] {
  const system = `${options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT}\n\n${renderActions(request.actions)}`;
  const max = options.maxObservationChars ?? 4000;
  const parts = [`Planning iteration: ${request.iteration}`, `Task:\n${request.input}`];
  if (request.mergedInputs.length > 0) {
    const questions = new Map((request.answered ?? []).map((a) => [a.inputIndex, a.question]));
    const line = (text: string, i: number): string => {
      const q = questions.get(i);
      return q === undefined ? `- ${text}` : `- you asked: ${q}\n  the user answered: ${text}`;
    };
    parts.push(`Inputs added since (oldest first):\n${request.mergedInputs.map(line).join('\n')}`);
  }
  parts.push(
    request.observations.length === 0
      ? 'Observations: none yet.'
      : `Observations (in completion order):\n${request.observations.map((o) => renderObservation(o, max)).join('\n')}`,
  );
  return [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

/** The repair turn: the invalid reply and what was wrong with it. */
export function repairMessages(invalidReply: string, issues: readonly string[]): ChatMessage[] {
  return [
    { role: 'assistant', content: invalidReply },
    {
      role: 'user',
      content: `Your reply was invalid:\n${issues.map((i) => `- ${i}`).join('\n')}\nAnswer again with one corrected JSON object.`,
    },
  ];
}

function renderActions(actions: readonly ActionDescriptor[]): string {
  if (actions.length === 0) return 'Available actions: none. Answer "done" or "need_input".';
  const lines = actions.map(
    (a) =>
      `- ${a.name}${a.requiresApproval ? ' (a human approves each run)' : ''}: ${a.description}\n  input schema: ${JSON.stringify(a.inputSchema)}`,
  );
  return `Available actions:\n${lines.join('\n')}`;
}

function renderObservation(o: Observation, max: number): string {
  const head = `- plan ${o.planId}, step ${o.stepId} (${o.action}): ${o.status}`;
  if (o.status === 'failed' || o.error !== undefined) return `${head}; error: ${truncate(o.error ?? 'unknown error', max)}`;
  if (o.output === undefined) return head;
  return `${head}; output: ${truncate(JSON.stringify(o.output) ?? String(o.output), max)}`;
}

/** `s` cut to `max` characters, with a marker saying how much was cut. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… [${s.length - max} more characters]`;
}
