/**
 * The thread bench/threads copies: one thread run by the runtime on an in-memory store (a 5-step
 * chain of no-op steps, planned by a static planner, completed), read back as appendable facts.
 */
import { z } from 'zod';
import { defineAction } from '../../src/actions/action.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import type { PlannerOutput } from '../../src/plan/planner-output.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import type { EventData } from '../../src/store/event-store.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

/** The template's thread id; copies replace it (it occurs in ThreadOpened and idempotency keys). */
export const TEMPLATE_ID = 'tmplthread';

/** The noop action the template's steps run. */
export const noop = defineAction({ name: 'noop', description: 'does nothing', input: z.object({}), output: z.object({}), run: async () => ({}) });

/**
 * The template's facts as JSON text of `{ type, data, metadata }` per fact, `snapshotHash` left out
 * (a copy under another id would hash differently; the history is then one written with
 * `hashEvery: 0`).
 */
export async function templateFacts(): Promise<string[]> {
  const store = getInMemoryEventStore({ codec: factCodec });
  const plan = { kind: 'mini_plan', plan: { steps: Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, action: 'noop', dependsOn: i === 0 ? [] : [`s${i - 1}`] })) } } as unknown as PlannerOutput;
  let calls = 0;
  const rt = createRuntime({ store, actions: createActionRegistry([noop]), plannerFor: () => ({ plan: async () => ({ output: calls++ === 0 ? plan : { kind: 'done', answer: 'ok' }, repairs: 0 }) }) as never, hashEvery: 0 });
  await rt.openThread({ threadId: TEMPLATE_ID, input: { text: 'go' } });
  const s = await rt.whenSettled(TEMPLATE_ID);
  if (s.interactions.i1?.status !== 'completed') throw new Error(`template thread ended ${s.interactions.i1?.status}`);
  await rt.close();
  const out: string[] = [];
  for await (const e of store.readStream(`thread-${TEMPLATE_ID}`)) out.push(JSON.stringify({ type: e.type, data: e.data, metadata: e.metadata }));
  return out;
}

/** The template's facts for thread `threadId`, with fresh event ids. */
export function copyFor(template: readonly string[], threadId: string, uuid: () => string): EventData[] {
  return template.map((text) => ({ ...(JSON.parse(text.replaceAll(TEMPLATE_ID, threadId)) as Omit<EventData, 'id'>), id: uuid() }));
}
