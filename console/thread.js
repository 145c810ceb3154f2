// The thread page: the DAG, the step table, pending approvals, the send box, and the fact timeline
// with a revision slider — moving it shows every panel as of that revision (GET /threads/:id?at=R),
// the latest revision follows the thread live (its SSE stream).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, follow } from './api.js';
import { html, navigate } from './app.js';
import { Dag } from './dag.js';
import { Approvals, StepTable, Timeline } from './panels.js';

export function ThreadPage({ threadId }) {
  const enc = encodeURIComponent(threadId);
  const [facts, setFacts] = useState([]);
  const [latest, setLatest] = useState(null);
  const [pinned, setPinned] = useState(null); // a revision, or null: follow the latest
  const [past, setPast] = useState(null);
  const [inspected, setInspected] = useState(null);
  const [error, setError] = useState(null);
  const [link, setLink] = useState('connecting');
  const [text, setText] = useState('');
  const timer = useRef();

  const load = () => api(`/threads/${enc}`).then((d) => { setLatest(d); setError(null); }, (e) => setError(e.message));
  useEffect(() => {
    load();
    const stop = follow(`/threads/${enc}/stream`, (m) => {
      setFacts((fs) => [...fs, m.data]);
      clearTimeout(timer.current);
      timer.current = setTimeout(load, 100);
    }, setLink);
    return () => { stop(); clearTimeout(timer.current); };
  }, [threadId]);
  useEffect(() => {
    if (pinned === null) return setPast(null);
    let live = true;
    api(`/threads/${enc}?at=${pinned}`).then((d) => live && setPast(d), (e) => setError(e.message));
    return () => { live = false; };
  }, [pinned]);

  const lastRevision = facts.length ? facts[facts.length - 1].revision : (latest?.revision ?? 0);
  const view = pinned !== null ? past : latest;
  const at = pinned ?? lastRevision;
  const act = (verb, body) => api(`/threads/${enc}/${verb}`, body).then(load, (e) => setError(e.message));
  const decide = (verb, p) => act(verb, { step: p.approvalId, by: 'console' });
  const inspect = () => api(`/threads/${enc}/inspect`, { at }).then((r) => setInspected(`${r.events} inspector events sent (revisions 0..${r.revision})`), (e) => setInspected(`${e.message} — start the bridge: npx orchestral inspect ${threadId} --to ${at}`));
  const fork = () => api(`/threads/${enc}/fork`, { at }).then((r) => navigate(`/t/${encodeURIComponent(r.threadId)}`), (e) => setError(e.message));
  const plans = view ? Object.values(view.dags).flatMap((i) => i.planOrder.map((p) => i.plans[p])) : [];

  return html`
    <section><div class="row"><h2 style="margin:0">${view?.thread?.displayTitle ?? threadId}</h2>
      ${view?.thread && html`<span class=${`status ${view.thread.status}`}>${view.thread.status}</span>`}
      <code class="muted">${threadId}</code><span class="muted">· ${link}</span>
      <span style="flex:1"></span>
      <button id="inspect" title="replays the thread up to this revision into the Stately inspector bridge on ws://127.0.0.1:8080 (start it with: npx orchestral inspect <thread>, or @statelyai/inspect/server)" onClick=${inspect}>Stately inspector at ${at}</button>
      ${inspected && html`<span class="muted" id="inspected">${inspected}</span>`}</div>
      ${error && html`<p class="error" id="error">${error}</p>`}
      <div class="row" style="margin-top:8px">
        <label for="rev">revision</label>
        <input id="rev" type="range" min="0" max=${lastRevision} value=${at} onInput=${(e) => { const r = Number(e.target.value); setPinned(r >= lastRevision ? null : r); }} style="flex:1" />
        <b id="rev-label">${pinned === null ? `${lastRevision} (live)` : `${pinned} of ${lastRevision}`}</b>
        <button id="fork" onClick=${fork}>Fork at ${at}</button>
      </div>
      ${view?.costs && html`<div class="muted">cost $${view.costs.total.usd.toFixed(4)}</div>`}
    </section>
    <div class="grid2">
      <div style="display:grid;gap:16px;align-content:start">
        <section><h2>DAG</h2>${plans.length ? plans.map((p) => html`<div><div class="muted">${p.planId} · ${p.title ?? ''} · ${p.status}</div><${Dag} plan=${p} /></div>`) : html`<p class="muted">no plan yet</p>`}</section>
        <section><h2>Steps</h2>${view ? html`<${StepTable} steps=${view.steps} />` : html`<p class="muted">loading…</p>`}</section>
      </div>
      <div style="display:grid;gap:16px;align-content:start">
        <section><h2>Pending approvals</h2>${view && html`<${Approvals} approvals=${view.pendingApprovals} live=${pinned === null} decide=${decide} />`}</section>
        <section><h2>Send</h2><form class="row" onSubmit=${(e) => { e.preventDefault(); if (text) act('send', { text, by: 'console' }).then(() => setText('')); }}>
          <input id="send-text" type="text" value=${text} placeholder="input for the thread" onInput=${(e) => setText(e.target.value)} /><button type="submit">Send</button></form></section>
        <section><h2>Facts</h2><${Timeline} facts=${facts} at=${at} onPick=${(r) => setPinned(r >= lastRevision ? null : r)} /></section>
      </div>
    </div>`;
}
