/**
 * The live step table of `run`/`resume`/`approve`: one row per step of an interaction's plans, a
 * progress bar and the costs, computed from the runtime's folded state (pure: `nowMs` is passed in).
 */
import type { Colors } from '../io.ts';
import type { StepView } from '../../index.ts';
import type { ThreadState } from '../../history.ts';
import { interactionView, planRunView, threadView } from '../../history.ts';
import stringWidth from 'string-width';
import { safeText } from './safe-text.ts';
import { colorFor, duration, statusMark, usd } from './status-marks.ts';
import { fit } from './fit.ts';

/** One row of the table (its text fields neutralised with `safeText`). */
export interface StepRow {
  planId: string;
  stepId: string;
  action: string;
  status: StepView['status'];
  attempts: number;
  /** What else to say: the error, the retry time, the approval. */
  note: string;
}

/** Rows of every plan of `interactionId`, in plan then step order. */
export function stepRows(state: ThreadState, interactionId: string, nowMs: number): StepRow[] {
  const iv = interactionView(state, interactionId);
  const rows: StepRow[] = [];
  for (const planId of iv.planIds) {
    const view = planRunView(state, interactionId, planId);
    for (const step of view.plan.steps) {
      const t = view.steps[step.id]!;
      let note = '';
      if (t.status === 'running' && t.startedAtMs !== undefined) note = `attempt ${t.attempts}, ${duration(Math.max(0, nowMs - t.startedAtMs))}`;
      else if (t.status === 'ready' && t.readyAtMs !== undefined && t.attempts > 0) {
        note = `retry ${t.attempts + 1} in ${duration(Math.max(0, t.readyAtMs - nowMs))}${t.error ? ` (after: ${t.error.message})` : ''}`;
      } else if (t.status === 'waiting_approval') note = t.approval?.scope === 'budget' ? 'needs approval: over budget' : 'needs approval';
      else if (t.status === 'failed' || t.status === 'cancelled') note = t.error?.message ?? '';
      else if (t.status === 'completed' && t.attempts > 1) note = `after ${t.attempts} attempts`;
      rows.push({ planId, stepId: safeText(step.id), action: safeText(step.action), status: t.status, attempts: t.attempts, note: safeText(note) });
    }
  }
  return rows;
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** `[██████░░░░] 3/5` for `done` of `total`, `width` cells. */
export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}`;
}

/** Spend line: thread spend, and the budget in force for the interaction's current plan. */
export function costLine(state: ThreadState, interactionId: string): string {
  const tv = threadView(state);
  const iv = interactionView(state, interactionId);
  const budget = iv.currentPlanId !== undefined ? planRunView(state, interactionId, iv.currentPlanId).budget : undefined;
  const spent = `spent ${usd(tv.spentUsd)}`;
  if (!budget) return spent;
  return `${spent} · budget ${usd(budget.spentUsd + budget.reservedUsd)} of ${usd(budget.limitUsd)} used${budget.warned ? ' (warned)' : ''}`;
}

/**
 * The whole table as lines: header (thread, interaction status, bar, costs) then one line per step.
 * `columns`: the terminal width; a step's note is cut (…) so its row fits in `columns - 1` when the
 * columns before it do (a longer line is wrapped by the live block, which accounts for the wrapped rows).
 */
export function renderStepTable(c: Colors, state: ThreadState, interactionId: string, nowMs: number, options: { columns?: number | undefined } = {}): string[] {
  const iv = interactionView(state, interactionId);
  const rows = stepRows(state, interactionId, nowMs);
  const done = rows.filter((r) => FINAL.has(r.status)).length;
  const idWidth = Math.min(28, Math.max(4, ...rows.map((r) => stringWidth(r.stepId))));
  const actionWidth = Math.min(24, Math.max(6, ...rows.map((r) => stringWidth(r.action))));
  const lines = [
    `${c.bold(`thread ${safeText(state.threadId)}`)} · interaction ${safeText(interactionId)} ${colorFor(c, iv.status, iv.status)} · ${progressBar(done, rows.length)} · ${costLine(state, interactionId)}`,
  ];
  for (const r of rows) {
    const mark = colorFor(c, r.status, statusMark(r.status));
    const head = `  ${mark} ${fit(r.stepId, idWidth)}  ${c.dim(fit(r.action, actionWidth))}  ${colorFor(c, r.status, fit(r.status, 16))} `;
    // one column spare: a row exactly as wide as the terminal leaves the cursor in its pending-wrap
    // state, where the redraw's erase-to-end-of-line would clear the last character
    const room = options.columns !== undefined ? options.columns - 1 - stringWidth(head) : Infinity;
    const note = room < stringWidth(r.note) ? (room > 1 ? fit(r.note, room) : '') : r.note;
    lines.push(`${head}${note}`.trimEnd());
  }
  return lines;
}
