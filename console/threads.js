// The threads list: status, cost, last activity, title; refreshed live from `GET /stream`.
import { useEffect, useState } from 'preact/hooks';
import { api, follow } from './api.js';
import { html, navigate } from './app.js';

export function ThreadsPage() {
  const [threads, setThreads] = useState([]);
  const [error, setError] = useState(null);
  const [link, setLink] = useState('connecting');
  useEffect(() => {
    let timer;
    const load = () => api('/threads?limit=200').then((r) => { setThreads(r.threads); setError(null); }, (e) => setError(e.message));
    load();
    const stop = follow('/stream', () => { clearTimeout(timer); timer = setTimeout(load, 150); }, setLink);
    return () => { stop(); clearTimeout(timer); };
  }, []);
  return html`<section>
    <h2>Threads <span class="muted" style="text-transform:none">· ${threads.length} · ${link}</span></h2>
    ${error && html`<p class="error">${error}</p>`}
    <table id="threads">
      <thead><tr><th>Thread</th><th>Status</th><th>Live</th><th>Cost</th><th>Facts</th><th>Last activity</th></tr></thead>
      <tbody>${threads.map((t) => html`<tr data-thread=${t.threadId} data-status=${t.status}>
        <td><a href=${`/t/${encodeURIComponent(t.threadId)}`} onClick=${(e) => { e.preventDefault(); navigate(`/t/${encodeURIComponent(t.threadId)}`); }}>${t.displayTitle}</a><div class="muted"><code>${t.threadId}</code></div></td>
        <td><span class=${`status ${t.status}`}>${t.status}</span></td>
        <td>${t.liveInteractions.map((l) => html`<span class=${`status ${l.state}`}>${l.interactionId} ${l.state}</span> `)}</td>
        <td>$${(t.costUsd ?? 0).toFixed(4)}</td>
        <td>${t.factCount}</td>
        <td>${new Date(t.lastActivityAtMs).toLocaleString()}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
