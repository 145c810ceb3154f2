// The plan DAG drawn as SVG, laid out by elkjs (layered, left to right); nodes coloured by status.
import { useEffect, useState } from 'preact/hooks';
import { html } from './app.js';

const elk = new globalThis.ELK();
const COLORS = { completed: '#1f9d55', running: '#2b6cb0', ready: '#2b6cb0', waiting_approval: '#b7791f', pending: '#a0aec0', failed: '#c53030', cancelled: '#718096' };

export function Dag({ plan }) {
  const [layout, setLayout] = useState(null);
  const key = JSON.stringify(plan.nodeOrder.map((id) => [id, plan.nodes[id].dependsOn]));
  useEffect(() => {
    let live = true;
    const graph = {
      id: 'root',
      layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '18', 'elk.layered.spacing.nodeNodeBetweenLayers': '40' },
      children: plan.nodeOrder.map((id) => ({ id, width: Math.max(90, 8 * id.length + 24), height: 40 })),
      edges: plan.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
    };
    elk.layout(graph).then((g) => live && setLayout(g));
    return () => { live = false; };
  }, [key]);
  if (!layout) return html`<p class="muted">laying out…</p>`;
  return html`<div class="dag"><svg width=${layout.width + 10} height=${layout.height + 10} data-plan=${plan.planId}>
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#a0aec0" /></marker></defs>
    ${layout.edges.map((e) => e.sections.map((s) => html`<polyline fill="none" stroke="#a0aec0" marker-end="url(#arrow)"
      points=${[s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => `${p.x + 5},${p.y + 5}`).join(' ')} />`))}
    ${layout.children.map((n) => {
      const node = plan.nodes[n.id];
      return html`<g class="dag-node" data-step=${n.id} data-status=${node.status} transform=${`translate(${n.x + 5},${n.y + 5})`}>
        <rect width=${n.width} height=${n.height} rx="6" fill=${COLORS[node.status] ?? '#a0aec0'} />
        <text x="8" y="16" fill="#fff">${n.id}</text><text x="8" y="32" fill="#fff" opacity=".85">${node.action}</text></g>`;
    })}
  </svg></div>`;
}
