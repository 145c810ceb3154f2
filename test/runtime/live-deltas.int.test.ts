/**
 * The runtime's live delta channel: the text pieces of a streamed planner answer reach the rxjs
 * interaction stream (`interactionUpdates$` with `live: runtime.deltas$`) in order, marked
 * ephemeral and without a store position, while the stored updates (and a resume after a position)
 * are those of the facts alone.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { createOpenAIPlanner } from '../../src/planner/openai-planner.ts';
import { interactionUpdates$ } from '../../src/projections/interaction-stream.ts';
import type { InteractionUpdate } from '../../src/projections/interaction-updates.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';

let server: FakeOpenAIServer;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

describe('live deltas on the interaction stream', () => {
  it('arrive in order before the stored thought; the recorded raw reply is their concatenation; resuming sees facts only', async () => {
    const pieces = ['{"kind":"done","thought":', '"short"', ',"answer":"ok","question":null,"step":null,"plan":null}'];
    // answered late enough that the stream below is subscribed before the first piece
    server.reply({ stream: pieces, usage: { prompt_tokens: 2, completion_tokens: 3 }, delayMs: 100 });
    const store = getInMemoryEventStore({ codec: factCodec });
    const planner = createOpenAIPlanner({ model: 'gpt-4.1-mini', baseURL: server.baseURL, apiKey: 'k' });
    const rt = createRuntime({ store, actions: createActionRegistry(), plannerFor: () => planner });
    try {
      await rt.openThread({ threadId: 't' });
      const sent = await rt.send('t', 'hello');
      const interactionId = sent.interactionId!;
      const all = lastValueFrom(interactionUpdates$(store, { threadId: 't', interactionId, live: rt.deltas$('t') }).pipe(toArray()));
      await rt.whenSettled('t');
      const items = await all;
      const deltas = items.filter((u) => 'ephemeral' in u);
      expect(deltas.map((d) => d.text)).toEqual(pieces);
      for (const d of deltas) expect(d).toMatchObject({ type: 'thought', kind: 'delta', interactionId, iteration: 1 });
      const stored = items.filter((u): u is InteractionUpdate => !('ephemeral' in u));
      expect(stored.map((u) => u.type)).toEqual(['thought', 'done']);
      expect(items.indexOf(stored[0]!)).toBeGreaterThan(items.indexOf(deltas[deltas.length - 1]!));

      const events = [];
      for await (const e of store.readStream('thread-t')) events.push(e);
      const responded = events.find((e) => e.type === 'PlannerResponded')!;
      expect((responded.data as { raw: string[] }).raw).toEqual([pieces.join('')]);
      expect((responded.data as { usage: unknown }).usage).toMatchObject({ inputTokens: 2, outputTokens: 3, calls: 1 });

      const resumed = await lastValueFrom(interactionUpdates$(store, { threadId: 't', interactionId, afterPosition: stored[0]!.position }).pipe(toArray()));
      expect(resumed.map((u) => u.type)).toEqual(['done']);
    } finally {
      await rt.close();
    }
  });

  it('never carry the API key, even split across pieces; the text is otherwise the answer', async () => {
    const key = 'sk-live-7Hq2Zk9Wm4Rt8Yp3Xv6Nb1';
    const pieces = ['{"kind":"done","thought":"echo ', key.slice(0, 9), key.slice(9, 20), `${key.slice(20)}",`, '"answer":"ok","question":null,"step":null,"plan":null}'];
    server.reply({ stream: pieces, usage: { prompt_tokens: 2, completion_tokens: 3 }, delayMs: 100 });
    const store = getInMemoryEventStore({ codec: factCodec });
    const planner = createOpenAIPlanner({ model: 'gpt-4.1-mini', baseURL: server.baseURL, apiKey: key });
    const rt = createRuntime({ store, actions: createActionRegistry(), plannerFor: () => planner });
    try {
      await rt.openThread({ threadId: 't' });
      const sent = await rt.send('t', 'hello');
      const all = lastValueFrom(interactionUpdates$(store, { threadId: 't', interactionId: sent.interactionId!, live: rt.deltas$('t') }).pipe(toArray()));
      await rt.whenSettled('t');
      const shown = (await all).filter((u) => 'ephemeral' in u).map((d) => d.text).join('');
      expect(shown).toBe(pieces.join('').replace(key, '***'));
      for (let i = 0; i + 8 <= key.length; i++) expect(shown).not.toContain(key.slice(i, i + 8));
    } finally {
      await rt.close();
    }
  });
});
