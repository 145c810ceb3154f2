/**
 * A local fake of an OpenAI-compatible chat-completions endpoint, for tests (never the network:
 * it listens on 127.0.0.1, port chosen by the OS).
 *
 * ```ts
 * const server = await startFakeOpenAIServer();
 * server.reply({ content: '{"kind":"done",...}' });            // 200 with that message content
 * server.reply({ status: 429, headers: { 'retry-after': '0' } }); // an error status
 * server.reply({ delayMs: 5_000, content: '…' });                // answers late (client timeouts)
 * server.reply({ hang: true });                                   // never answers
 * server.reply({ refusal: 'I cannot help with that' });           // a refused reply (with usage)
 * server.reply({ body: 'not json' });                             // a raw body instead of a completion
 * server.reply({ stream: ['Hel', 'lo'] });                        // a streamed answer (SSE chunks, usage, [DONE])
 * server.reply({ gate: subscribed, content: '…' });               // answers once `subscribed` settles
 * const planner = createOpenAIPlanner({ model: 'm', baseURL: server.baseURL, apiKey: 'k' });
 * …
 * server.requests[0].body.messages; server.requests.length;      // what was received, in order
 * await server.close();
 * ```
 * Replies are served in the order they were queued, one per `POST /v1/chat/completions`. With the
 * queue empty it answers `fallback` (default: HTTP 500 `no scripted reply`, so a missing script
 * fails loudly). Other paths get 404. Requests are recorded when they arrive (their body once read),
 * before the reply is chosen.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

/** One scripted reply. Without `status`/`body` it is a 200 chat completion with `content`. */
export interface FakeReply {
  /** HTTP status (default 200). Non-2xx without `body` sends `{ error: { message, type, code } }`. */
  status?: number;
  /** The assistant message content of a 200 completion (default `''`). */
  content?: string;
  /** Token counts reported (default prompt 100, completion 20); `null` leaves `usage` out. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** `finish_reason` of the choice (default `stop`). */
  finishReason?: string;
  /** Extra response headers, e.g. `{ 'retry-after': '0' }`. */
  headers?: Record<string, string>;
  /** A raw body (string sent as is with content-type text/plain unless set; objects as JSON). */
  body?: string | object;
  /** Wait this long before answering, ms (a client with a shorter timeout gives up). */
  delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the server closes). */
  hang?: boolean;
  /** Answer only once this settles (then after `delayMs`, if set): lets a test order the answer after its own setup. */
  gate?: Promise<unknown>;
  /** A 200 completion whose message is a refusal (`content: null`, `refusal` set), usage as `usage`. */
  refusal?: string;
  /**
   * A 200 streamed answer (`text/event-stream`): one `chat.completion.chunk` per piece
   * (`choices[0].delta.content`), a chunk with `finish_reason`, a chunk with `usage` (as `usage`,
   * left out when `null`), then `data: [DONE]` — served whatever the request's `stream` says.
   */
  stream?: string[];
  /** With `stream`: send the pieces, then keep the response open without finishing it (a crash or cut mid-answer). */
  streamHangs?: boolean;
}

/** A request as received. `body` is the parsed JSON, or the raw text when it was not JSON. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: { model?: string; messages?: { role: string; content: string }[]; [key: string]: unknown } | string;
}

export interface FakeOpenAIServer {
  /** `http://127.0.0.1:<port>/v1` — pass as `baseURL`. */
  baseURL: string;
  /** Every request received, in arrival order. */
  requests: ReceivedRequest[];
  /** Queues replies (served first-in first-out). */
  reply(...replies: FakeReply[]): void;
  /** Replies still queued. */
  pending(): number;
  /** Stops listening and drops open connections (including delayed replies). */
  close(): Promise<void>;
}

/** Starts the fake server; see the module doc. */
export async function startFakeOpenAIServer(options: { fallback?: FakeReply } = {}): Promise<FakeOpenAIServer> {
  const queue: FakeReply[] = [];
  const requests: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const fallback: FakeReply = options.fallback ?? { status: 500, body: { error: { message: 'fake server: no scripted reply', type: 'server_error' } } };
  let seq = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    // recorded on arrival (a client that gives up before its body is read still counts); the body is filled in at its end
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const received: ReceivedRequest = { method: req.method ?? '', path, headers: req.headers, body: '' };
    requests.push(received);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: ReceivedRequest['body'];
      try {
        body = JSON.parse(text) as ReceivedRequest['body'];
      } catch {
        body = text;
      }
      received.body = body;
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
        return;
      }
      const r = queue.shift() ?? fallback;
      const model = typeof body === 'object' && typeof body.model === 'string' ? body.model : 'fake-model';
      const send = () => {
        const status = r.status ?? 200;
        let payload: string;
        let type = 'application/json';
        if (r.body !== undefined) {
          payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
          if (typeof r.body === 'string') type = 'text/plain';
        } else if (status >= 300) {
          payload = JSON.stringify({ error: { message: `fake ${status}`, type: status === 429 ? 'rate_limit' : 'server_error', code: null } });
        } else {
          seq += 1;
          payload = JSON.stringify({
            id: `chatcmpl-fake-${seq}`,
            object: 'chat.completion',
            created: 0,
            model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: r.refusal !== undefined ? null : (r.content ?? ''), refusal: r.refusal ?? null },
                finish_reason: r.finishReason ?? 'stop',
              },
            ],
            ...(r.usage === null ? {} : { usage: withTotal(r.usage ?? { prompt_tokens: 100, completion_tokens: 20 }) }),
          });
        }
        if (res.destroyed) return;
        if (r.stream !== undefined) {
          seq += 1;
          const chunk = (extra: object) => `data: ${JSON.stringify({ id: `chatcmpl-fake-${seq}`, object: 'chat.completion.chunk', created: 0, model, ...extra })}\n\n`;
          const events = [
            ...r.stream.map((content, i) => chunk({ choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: null }] })),
            chunk({ choices: [{ index: 0, delta: {}, finish_reason: r.finishReason ?? 'stop' }] }),
            ...(r.usage === null ? [] : [chunk({ choices: [], usage: withTotal(r.usage ?? { prompt_tokens: 100, completion_tokens: 20 }) })]),
            'data: [DONE]\n\n',
          ];
          if (r.streamHangs === true) {
            res.writeHead(200, { 'content-type': 'text/event-stream', ...r.headers }).write(events.slice(0, r.stream.length).join(''));
            return;
          }
          res.writeHead(200, { 'content-type': 'text/event-stream', ...r.headers }).end(events.join(''));
          return;
        }
        res.writeHead(status, { 'content-type': type, ...r.headers }).end(payload);
      };
      if (r.hang === true) return;
      const answer = (): void => {
        if (r.delayMs === undefined) return send();
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, r.delayMs);
        timers.add(t);
      };
      if (r.gate === undefined) answer();
      else void r.gate.then(answer, answer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (...replies) => void queue.push(...replies),
    pending: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function withTotal(u: { prompt_tokens: number; completion_tokens: number }) {
  return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
}

/**
 * An OpenAI-style base URL (`http://127.0.0.1:<port>/v1`) on a port nothing listens on: bound to a
 * free port, then closed, so a request to it is refused (an unavailable endpoint).
 */
export async function closedPortURL(): Promise<string> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
