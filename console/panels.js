// Panels of the thread page: the step table, pending approvals (action and full input before the
// buttons), the fact timeline.
import { html } from './app.js';

export function StepTable({ steps }) {
  const rows = [];
  for (const [iid, interaction] of Object.entries(steps)) {
    for (const planId of interaction.planOrder) {
      const plan = interaction.plans[planId];
      for (const stepId of plan.stepOrder) rows.push({ iid, planId, ...plan.steps[stepId] });
    }
  }
  if (rows.length === 0) return html`<p class="muted">no steps yet</p>`;
  return html`<table id="steps">
    <thead><tr><th>Step</th><th>Action</th><th>Status</th><th>Attempts</th><th>Output / error</th><th>Cost</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-step=${r.stepId} data-status=${r.status}>
      <td><code>${r.stepId}</code><div class="muted">${r.iid}/${r.planId}</div></td>
      <td><code>${r.action}</code></td>
      <td><span class=${`status ${r.status}`}>${r.status}</span></td>
      <td>${r.attempts}/${r.maxAttempts}</td>
      <td><code>${r.lastError ? r.lastError.message : (r.outputSummary ?? '')}</code></td>
      <td>$${(r.costUsd ?? 0).toFixed(4)}</td></tr>`)}</tbody></table>`;
}

function planner(p) {
  const by = p.plannedBy ?? {};
  return [by.kind ?? 'unknown', by.file ?? by.model ?? by.source ?? ''].join(' ').trim();
}

export function Approvals({ approvals, live, decide }) {
  if (approvals.length === 0) return html`<p class="muted">none pending</p>`;
  return approvals.map((p) => html`<div class="approval" data-approval=${p.approvalId}>
    <div><b>${p.scope}</b> approval <code>${p.approvalId}</code>${p.stepId ? html` · step <code>${p.stepId}</code>` : ''}</div>
    ${p.action && html`<div>action <code>${p.action}</code>${p.inputResolved === false ? html` <span class="muted">(planned input, not resolved${p.unresolved ? `: ${p.unresolved}` : ''})</span>` : ''}</div>`}
    ${p.input !== undefined && html`<pre class="approval-input">${JSON.stringify(p.input, null, 2)}</pre>`}
    ${p.steps && html`<pre class="approval-input">${p.steps.map((s) => `${s.stepId}: ${s.action} ${JSON.stringify(s.input)}`).join('\n')}</pre>`}
    <div class="muted">planned by ${planner(p)}</div>
    ${live ? html`<div class="row"><button class="primary" onClick=${() => decide('approve', p)}>Approve</button><button class="danger" onClick=${() => decide('reject', p)}>Reject</button></div>`
      : html`<div class="muted">decisions are made at the latest revision</div>`}
  </div>`);
}

export function Timeline({ facts, at, onPick }) {
  return html`<div class="timeline"><ul>${facts.map((f) => html`<li data-revision=${f.revision} class=${f.revision > at ? 'future' : f.revision === at ? 'at' : ''} onClick=${() => onPick(f.revision)}>
    <code>${String(f.revision).padStart(4, ' ')}</code> ${f.type}${f.data?.stepId ? html` <span class="muted">${f.data.stepId}</span>` : ''}</li>`)}</ul></div>`;
}
