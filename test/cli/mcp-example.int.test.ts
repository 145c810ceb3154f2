/**
 * `examples/mcp/` runs offline from the repository root as its README says: the plan of MCP tools,
 * a routed intent, and an event.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, dataOf, ROOT, tempDir, threadEvents } from './helpers.ts';

const tmp = tempDir('orchestral-mcp-example-');
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
const o = (args: string[]) => cli(['--store', store, ...args], { cwd: ROOT });
afterAll(() => tmp.cleanup());

describe('examples/mcp', () => {
  it('plan.yaml completes offline', { timeout: 120_000 }, async () => {
    const plan = await o(['run', 'examples/mcp/plan.yaml', '--thread', 'plan']);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const echo = (await threadEvents(store, 'plan')).map(dataOf).find((d) => d['stepId'] === 'echo' && d['output'] !== undefined);
    expect((echo!['output'] as { text: string }).text).toBe('Echo: The sum of 19 and 23 is 42.');
  });

  it('routes.yaml: a routed intent and an event complete offline', { timeout: 120_000 }, async () => {
    const routed = await o(['run', '--routes', 'examples/mcp/routes.yaml', '--intent', 'read readme.txt', '--thread', 'routed']);
    expect(routed.code).toBe(0);
    expect(routed.stdout).toContain('Orchestral runs MCP tools as actions.');
    expect((await o(['run', '--routes', 'examples/mcp/routes.yaml', '--thread', 'ops'])).code).toBe(0);
    const event = await o(['emit', 'ops', 'note', '--data', '{"text":"hello"}']);
    expect(event.code).toBe(0);
    expect(event.stdout).toContain('{"note":"hello"}');
  });
});
