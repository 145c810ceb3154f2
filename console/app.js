// The console: a threads list at `/`, a thread page at `/t/<id>` (history API routing).
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { setToken } from './api.js';
import { ThreadsPage } from './threads.js';
import { ThreadPage } from './thread.js';

export const html = htm.bind(h);

export function navigate(path) {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

function TokenBox() {
  const [value, setValue] = useState('');
  return html`<span class="row"><input type="password" placeholder="API token" value=${value} onInput=${(e) => setValue(e.target.value)} />
    <button onClick=${() => { setToken(value); location.reload(); }}>Use token</button></span>`;
}

function App() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  const m = /^\/t\/(.+)$/.exec(path);
  return html`
    <header><h1><a href="/" onClick=${(e) => { e.preventDefault(); navigate('/'); }}>Orchestral</a></h1>
      <span class="muted">threads, their DAGs and histories</span><span style="flex:1"></span><${TokenBox} /></header>
    <main>${m ? html`<${ThreadPage} key=${m[1]} threadId=${decodeURIComponent(m[1])} />` : html`<${ThreadsPage} />`}</main>`;
}

render(html`<${App} />`, document.getElementById('app'));
