/**
 * The text of `orchestral show`: the thread line, then per interaction its status and answer, per
 * plan the step table and the DAG, the costs, and the pending approvals with the commands to decide.
 */
import type { Colors } from '../io.ts';
import type { ThreadCosts } from '../../index.ts';
import type { PlanDag } from '../../index.ts';
import type { StepsInteraction, StepRow } from '../../index.ts';
import type { ThreadListing } from '../../index.ts';
import { keyedEntries } from '../../history.ts';
import type { ApprovalDetails } from '../../index.ts';
import { nextCommand } from '../next-command.ts';
import { approvalLines, approvalTarget } from './approval-text.ts';
import { renderDag } from './dag-text.ts';
import { routeLine, type RouteEvaluatedData } from './route-text.ts';
import { safeText } from './safe-text.ts';
import { colorFor, duration, statusMark, usd } from './status-marks.ts';
import { fit } from './fit.ts';

/** What `show` gathered (the JSON output has the same shape). */
export interface ShowData {
  threadId: string;
  revision: number;
  /** `--at` when given. */
  at: number | null;
  thread: ThreadListing | null;
  /** `question`: the planner's pending question while the interaction waits for input. */
  /** `route`: what routes decided for its first plan (`RouteEvaluated`), null when none were consulted. */
  interactions: Array<{
    interactionId: string;
    status: string;
    input: string | null;
    answer: string | null;
    question: string | null;
    error: string | null;
    route?: RouteEvaluatedData | null;
  }>;
  steps: Record<string, StepsInteraction>;
  dags: Record<string, { planOrder: string[]; plans: Record<string, PlanDag> }>;
  costs: ThreadCosts | null;
  /** Pending approvals with what they approve (see ApprovalDetails; `stepId` null for a plan approval). */
  pendingApprovals: ShowApproval[];
}

/** A pending approval as `show` reports it. */
export type ShowApproval = Omit<ApprovalDetails, 'stepId'> & { stepId: string | null };

function stepLine(c: Colors, r: StepRow, idWidth: number): string {
  const detail = r.status === 'failed' || r.status === 'cancelled' ? (r.lastError?.message ?? '') : (r.outputSummary ?? '');
  return [
    `  ${colorFor(c, r.status, statusMark(r.status))} ${fit(safeText(r.stepId), idWidth)}`,
    c.dim(fit(safeText(r.action), 16)),
    colorFor(c, r.status, fit(r.status, 16)),
    fit(`${r.attempts}×`, 4),
    fit(duration(r.runMs), 7),
    fit(usd(r.costUsd), 9),
    c.dim(fit(safeText(detail.replace(/\s+/g, ' ')), 60)),
  ].join(' ').trimEnd();
}

/** Lines of the text output. */
export function renderShow(c: Colors, d: ShowData, storeUrl: string): string[] {
  const out: string[] = [];
  const t = d.thread;
  out.push(`${c.bold(`thread ${safeText(d.threadId)}`)}${t?.title ? ` — ${safeText(t.title)}` : ''}`);
  out.push(`  status ${t?.status ?? 'unknown'} · policy ${t?.policy ?? '?'} · revision ${d.revision}${d.at !== null ? c.yellow(' (as of --at)') : ''} · ${t?.factCount ?? 0} facts${t?.forkedFrom ? ` · forked from ${t.forkedFrom.threadId}@${t.forkedFrom.revision}` : ''}`);
  for (const i of d.interactions) {
    out.push('');
    out.push(`${c.bold(`interaction ${safeText(i.interactionId)}`)} ${colorFor(c, i.status, i.status)}${i.input ? c.dim(` — ${safeText(i.input)}`) : ''}`);
    if (i.route) out.push(routeLine(c, i.route));
    const ti = d.steps[i.interactionId];
    for (const planId of ti?.planOrder ?? []) {
      const plan = ti!.plans[planId]!;
      out.push(`  plan ${safeText(planId)}${plan.title ? ` '${safeText(plan.title)}'` : ''} ${colorFor(c, plan.status, plan.status)}`);
      const idWidth = Math.min(28, Math.max(4, ...plan.stepOrder.map((s) => s.length)));
      for (const stepId of plan.stepOrder) out.push(stepLine(c, plan.steps[stepId]!, idWidth));
      const dag = d.dags[i.interactionId]?.plans[planId];
      if (dag) {
        out.push(`  ${c.dim('DAG')}`);
        out.push(...renderDag(c, dag));
      }
    }
    if (i.answer) out.push(...safeText(i.answer, { multiline: true }).split('\n').map((l) => `  ${c.green('│')} ${l.length > 140 ? `${l.slice(0, 139)}…` : l}`));
    if (i.error) out.push(`  ${c.red('error:')} ${safeText(i.error)}`);
    if (i.question !== null) {
      out.push(`  ${c.yellow('question:')} ${safeText(i.question).replace(/\s+/g, ' ')}`);
      out.push(`    ${nextCommand(['send', d.threadId, 'your answer'], storeUrl)}`);
    }
  }
  if (d.costs) {
    const k = d.costs;
    out.push('');
    out.push(`${c.bold('costs')} total ${usd(k.total.usd)} · ${k.total.inputTokens} tokens in / ${k.total.outputTokens} out${k.reservedUsd > 0 ? ` · reserved ${usd(k.reservedUsd)}` : ''}`);
    for (const [model, s] of Object.entries(k.models)) out.push(`  ${safeText(model)}: ${usd(s.usd)} (${s.calls} calls, ${s.inputTokens}/${s.outputTokens} tokens)`);
    if (k.budget) out.push(`  thread budget ${usd(k.budget.limitUsd)}: remaining ${usd(k.budget.remainingUsd)}`);
    for (const [id, ic] of keyedEntries(k.interactions)) {
      if (ic.budget) out.push(`  ${safeText(id)} plan budget ${usd(ic.budget.limitUsd)}: spent ${usd(ic.budget.spentUsd)}, remaining ${usd(ic.budget.remainingUsd)}${ic.budget.warned ? c.yellow(' (warned)') : ''}`);
    }
  }
  if (d.pendingApprovals.length > 0) {
    out.push('');
    out.push(c.yellow(c.bold('pending approvals')));
    for (const p of d.pendingApprovals) {
      const target = p.stepId ?? p.approvalId;
      out.push(`  ${approvalTarget(p)} of interaction ${safeText(p.interactionId)} (${p.scope}, ${safeText(p.approvalId)})`);
      out.push(...approvalLines(c, { ...p, stepId: p.stepId ?? undefined }).map((l) => `    ${l}`));
      out.push(`    ${nextCommand(['approve', d.threadId, target], storeUrl)}`);
      out.push(`    ${nextCommand(['reject', d.threadId, target, '--reason', 'why'], storeUrl)}`);
    }
  }
  return out;
}
