/**
 * What an approval approves, as text for the terminal prompt, `show` and the paused outcome: the
 * action, the input it runs with (argv of `shell.exec`, path and size of `fs.write`, method and URL
 * of `http.request`, compact JSON otherwise), the steps of a plan approval, and who planned it.
 * Every piece of recorded data goes through `safeText`.
 */
import type { ApprovalDetails, PlannedBy } from '../../index.ts';
import type { Colors } from '../io.ts';
import { safeText } from './safe-text.ts';

/** Longest input text shown for one step (characters); the whole input: `show --json`. */
const MAX_INPUT_CHARS = 300;

/** The approval's subject in one short phrase: `step 'x'`, `plan p1`. */
export function approvalTarget(p: { stepId?: string | null | undefined; planId: string }): string {
  return p.stepId !== undefined && p.stepId !== null ? `step '${safeText(p.stepId)}'` : `plan ${safeText(p.planId)}`;
}

/** `plan file /abs/plan.yaml`, `model gpt-4o-mini (openai)`, `planner 'custom'`. */
export function plannedByText(p: PlannedBy): string {
  if (p.kind === 'plan_file') return `plan file ${safeText(p.file)}`;
  if (p.kind === 'model') return `model ${safeText(p.model)} (${safeText(p.provider)})`;
  return `planner '${safeText(p.planner)}'`;
}

function clip(s: string, max = MAX_INPUT_CHARS): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** JSON text of `v` with controls neutralised (JSON leaves C1 and bidi characters as they are). */
function json(v: unknown): string {
  return safeText(JSON.stringify(v) ?? 'undefined');
}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Size in bytes of an `fs.write` content once decoded (`encoding` utf8 or base64). */
function contentBytes(content: unknown, encoding: unknown): number | undefined {
  if (typeof content !== 'string') return undefined;
  return encoding === 'base64' ? Buffer.from(content, 'base64').length : Buffer.byteLength(content, 'utf8');
}

/**
 * The input of `action` in one line: `argv ["rm","-rf","build"]` for `shell.exec` (with `in <cwd>`
 * and the env names when set), `path notes.md · 1200 bytes (overwrite)` for `fs.write`,
 * `POST https://… · body 120 bytes` for `http.request`, the compact JSON otherwise (clipped).
 */
export function inputSummary(action: string, input: unknown): string {
  const i = record(input);
  if (action === 'shell.exec' && Array.isArray(i['argv'])) {
    const cwd = typeof i['cwd'] === 'string' && i['cwd'] !== '.' ? ` in ${json(i['cwd'])}` : '';
    const env = Object.keys(record(i['env']));
    const stdin = typeof i['stdin'] === 'string' ? ` · stdin ${Buffer.byteLength(i['stdin'])} bytes` : '';
    return clip(`argv ${json(i['argv'])}${cwd}${env.length > 0 ? ` · env ${json(env)}` : ''}${stdin}`);
  }
  if (action === 'fs.write' && typeof i['path'] === 'string') {
    const mode = typeof i['mode'] === 'string' ? i['mode'] : 'overwrite';
    const content = i['content'];
    // an unresolved reference (a plan approval shows inputs as planned): the size is not known yet
    const size = typeof content === 'string' && content.includes('{{') ? `content ${json(clip(content, 80))}` : `${contentBytes(content, i['encoding']) ?? '?'} bytes`;
    return clip(`path ${json(i['path'])} · ${size} (${safeText(mode)})`);
  }
  if (action === 'http.request' && typeof i['url'] === 'string') {
    const method = typeof i['method'] === 'string' ? i['method'] : 'GET';
    const body = i['body'] === undefined ? '' : ` · body ${Buffer.byteLength(typeof i['body'] === 'string' ? i['body'] : JSON.stringify(i['body']))} bytes`;
    return clip(`${safeText(method)} ${json(i['url'])}${body}`);
  }
  return clip(`input ${json(input)}`);
}

/**
 * Lines describing `p` (no indent): `action shell.exec`, `argv [...]` (or `input …`), whether the
 * input is resolved, for a plan approval one line per step, then `planned by …`.
 */
export function approvalLines(c: Colors, p: ApprovalDetails): string[] {
  const out: string[] = [];
  if (p.steps !== undefined) {
    out.push(`plan ${safeText(p.planId)} with ${p.steps.length} step${p.steps.length === 1 ? '' : 's'} (inputs as planned):`);
    for (const s of p.steps) {
      const deps = s.dependsOn.length > 0 ? c.dim(` ⇐ ${safeText(s.dependsOn.join(', '))}`) : '';
      out.push(`  ${safeText(s.stepId)}  ${c.bold(safeText(s.action))}  ${inputSummary(s.action, s.input)}${deps}`);
    }
  } else if (p.action !== undefined) {
    out.push(`action ${c.bold(safeText(p.action))}  ${inputSummary(p.action, p.input)}`);
    if (p.unresolved !== undefined) out.push(c.red(`input not resolved: ${safeText(p.unresolved)} (the step fails if approved)`));
    else if (p.inputResolved === false) out.push(c.dim('input as planned: this request recorded no resolved input'));
  }
  out.push(`planned by ${plannedByText(p.plannedBy)}`);
  return out;
}
