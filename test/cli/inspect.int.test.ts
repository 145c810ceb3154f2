/**
 * The Stately inspector path through the real CLI: `inspect <thread> --inspect-url ws://…` replays a
 * thread's facts through the machines, and `run --inspect-url` does it live. A local relay
 * (`@statelyai/inspect/server`, no browser) forwards the events to a `createWebSocketReceiver`,
 * which must see every actor (thread, interaction, steps) and their transitions.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.ts';

const tmp = tempDir();
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
const received: StatelyInspectionEvent[] = [];
let relay: { stop(): void };
let url: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  const port = await freePort();
  relay = createInspectorServer({ port, autoOpen: false });
  url = `ws://127.0.0.1:${port}`;
  await new Promise((r) => setTimeout(r, 100));
  createWebSocketReceiver({ server: url }).subscribe((e) => received.push(e));
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(join(tmp.dir, 'two.yaml'), 'steps:\n  - { id: a, action: echo, input: { x: 1 } }\n  - { id: b, action: echo, dependsOn: [a], input: { y: "{{steps.a.output.x}}" } }\n');
});
afterAll(() => {
  relay.stop();
  tmp.cleanup();
});

const of = (session: string) => received.filter((e) => e.sessionId === session);

describe('Stately inspector', () => {
  it('inspect replays a thread: every actor is registered, then its facts and snapshots arrive', async () => {
    const run = await cli(['--store', store, 'run', 'two.yaml', '--thread', 'insp'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    const r = await cli(['--store', store, 'inspect', 'insp', '--inspect-url', url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/inspected thread insp: \d+ facts/);
    await until(() => of('step:insp/i1/p1/b').some((e) => e.type === '@xstate.snapshot' && (e.snapshot as unknown as { value?: unknown }).value === 'completed'), 'step b completed');

    const actors = received.filter((e) => e.type === '@xstate.actor').map((e) => e.sessionId);
    expect(actors).toEqual(expect.arrayContaining(['thread:insp', 'interaction:insp/i1', 'step:insp/i1/p1/a', 'step:insp/i1/p1/b']));
    const stepActor = received.find((e) => e.type === '@xstate.actor' && e.sessionId === 'step:insp/i1/p1/a') as { definition?: string; parentId?: string };
    expect(stepActor.definition).toContain('"id":"step"');
    expect(stepActor.parentId).toBe('interaction:insp/i1');

    const threadEvents = of('thread:insp').filter((e) => e.type === '@xstate.event').map((e) => (e as { event: { type: string } }).event.type);
    expect(threadEvents.slice(0, 4)).toEqual(['ThreadOpened', 'InputReceived', 'PolicyApplied', 'InteractionStarted']);
    expect(threadEvents).toContain('InteractionCompleted');
    const stepStates = of('step:insp/i1/p1/a').filter((e) => e.type === '@xstate.snapshot').map((e) => (e.snapshot as unknown as { value: unknown }).value);
    expect(stepStates).toEqual(['pending', 'running', 'completed']); // readiness is derived: no StepReady, pending → running
    const interactionStates = of('interaction:insp/i1').filter((e) => e.type === '@xstate.snapshot').map((e) => JSON.stringify((e.snapshot as unknown as { value: unknown }).value));
    expect(interactionStates.at(-1)).toBe('"completed"');
  });

  it('--to stops the replay at a revision; run --inspect-url inspects live', async () => {
    const before = received.length;
    const partial = await cli(['--store', store, 'inspect', 'insp', '--to', '2', '--inspect-url', url]);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toMatch(/3 facts \(revisions 0\.\.2\)/);

    const live = await cli(['--store', store, 'run', 'two.yaml', '--thread', 'live', '--inspect-url', url], { cwd: tmp.dir });
    expect(live.code).toBe(0);
    await until(() => of('step:live/i1/p1/b').some((e) => e.type === '@xstate.snapshot' && (e.snapshot as unknown as { value?: unknown }).value === 'completed'), 'live step b');
    expect(of('thread:live').filter((e) => e.type === '@xstate.event').map((e) => (e as { event: { type: string } }).event.type)).toContain('InteractionCompleted');
    expect(received.length).toBeGreaterThan(before);
  });
});
