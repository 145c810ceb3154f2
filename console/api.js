// The console's access to the API: JSON requests with the bearer token (from #token=… or the
// prompt, kept in this tab's sessionStorage), and Server-Sent Events read with fetch so the token
// travels in the Authorization header (EventSource cannot send one). Streams reconnect with
// Last-Event-ID, so no fact is missed or repeated.

const TOKEN_KEY = 'orchestral.token';
const fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
if (fromHash) {
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromHash[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** An API error: the problem document's code and detail. */
export class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || 'request failed');
    this.code = problem.code;
    this.status = problem.status;
  }
}

export async function api(path, body) {
  const res = await fetch(path, body === undefined ? { headers: headers() } : { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError({ status: res.status, ...json });
  return json;
}

/** Follows an SSE stream; `onMessage({ id, event, data })`. Returns a stop function. */
export function follow(path, onMessage, onStatus = () => {}) {
  let lastId;
  let stopped = false;
  let controller;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch(path, { headers: headers(lastId !== undefined ? { 'last-event-id': lastId } : {}), signal: controller.signal });
        if (!res.ok) throw new ApiError({ status: res.status, ...(await res.json().catch(() => ({}))) });
        onStatus('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const m = { event: 'message', data: '' };
            for (const line of block.split('\n')) {
              const i = line.indexOf(':');
              if (i <= 0) continue;
              const k = line.slice(0, i);
              const v = line.slice(i + 1).replace(/^ /, '');
              if (k === 'id') m.id = v;
              else if (k === 'event') m.event = v;
              else if (k === 'data') m.data += v;
            }
            if (m.id !== undefined) lastId = m.id;
            if (m.data) onMessage({ ...m, data: JSON.parse(m.data) });
          }
        }
      } catch (err) {
        if (stopped) return;
        onStatus(err instanceof ApiError ? `error: ${err.message}` : 'reconnecting');
        if (err instanceof ApiError && err.status === 401) return;
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  };
  run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
