/** A minimal SSE reader over fetch for tests: collects `{ id, event, data }` until stopped. */
export interface SseEvent {
  /** '' for a message without `id:` (a live delta). */
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** Opens `url` (with `Last-Event-ID` when given) and calls `onEvent` per message; `stop()` disconnects. */
export function openSse(url: string, lastEventId: string | undefined, onEvent: (e: SseEvent) => void): { stop(): void; done: Promise<void> } {
  const controller = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { headers: lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}, signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`SSE ${url}: status ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const m: Partial<SseEvent> & { raw: string } = { raw: '' };
        for (const line of block.split('\n')) {
          const i = line.indexOf(':');
          if (i <= 0) continue;
          const k = line.slice(0, i);
          const v = line.slice(i + 1).replace(/^ /, '');
          if (k === 'id') m.id = v;
          else if (k === 'event') m.event = v;
          else if (k === 'data') m.raw += v;
        }
        if (m.raw !== '') onEvent({ id: m.id ?? '', event: m.event ?? 'message', data: JSON.parse(m.raw) as Record<string, unknown> });
      }
    }
  })().catch((err: unknown) => {
    if ((err as Error).name !== 'AbortError') throw err;
  });
  return { stop: () => controller.abort(), done };
}
