/**
 * MCP tools as actions against the reference servers (stdio: server-filesystem and
 * server-everything; Streamable HTTP: server-everything): listing, a read-only call, input checked
 * against the tool's JSON Schema before the call, approval only for model-planned tools not
 * annotated read-only, a server killed mid-call failing with a typed error naming it, and a
 * server that does not start.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mcpActions, type McpToolset } from '../../../src/actions/mcp/actions.ts';
import { isMcpServerError } from '../../../src/actions/mcp/errors.ts';
import { createActionRegistry } from '../../../src/actions/registry.ts';
import { parseActionInput } from '../../../src/actions/validate.ts';
import type { Action, ActionContext } from '../../../src/actions/action.ts';
import { EVERYTHING_SERVER, FS_SERVER, startEverythingHttp } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orchestral-mcp-'));
writeFileSync(join(dir, 'hello.txt'), 'hello from a file\n');
const toolsets: McpToolset[] = [];
afterAll(async () => {
  await Promise.all(toolsets.map((t) => t.close()));
  rmSync(dir, { recursive: true, force: true });
});

const ctx = (signal = new AbortController().signal): ActionContext => ({
  signal,
  idempotencyKey: 't/i1/p1/s/1',
  workspace: dir,
  attempt: 1,
  emit: () => undefined,
  addCost: () => undefined,
  addUsage: () => undefined,
});
const byName = (t: McpToolset, name: string): Action => {
  const a = t.actions.find((x) => x.name === name);
  if (!a) throw new Error(`no action ${name} in ${t.actions.map((x) => x.name).join(', ')}`);
  return a;
};
const open = async (servers: Parameters<typeof mcpActions>[0], modelPlanned = true) => {
  const t = await mcpActions(servers, { workspace: dir, modelPlanned });
  toolsets.push(t);
  return t;
};

describe('MCP tools as actions', () => {
  it('lists a stdio server: names, JSON Schemas in the catalogue, read-only tools need no approval', async () => {
    const t = await open({ fs: { command: process.execPath, args: [FS_SERVER, dir] } });
    const registry = createActionRegistry(t.actions);
    const names = registry.list().map((a) => a.name);
    expect(names).toContain('mcp__fs__read_text_file');
    expect(names).toContain('mcp__fs__write_file');
    const d = registry.describe().find((x) => x.name === 'mcp__fs__write_file')!;
    expect(d.inputSchema).toMatchObject({ type: 'object', required: ['path', 'content'] });
    expect(byName(t, 'mcp__fs__read_text_file').approvalReason).toBeUndefined();
    expect(byName(t, 'mcp__fs__write_file').approvalReason?.({ path: 'x', content: 'y' })).toMatch(/not annotated read-only/);
    const fromFile = await open({ fs: { command: process.execPath, args: [FS_SERVER, dir] } }, false);
    expect(byName(fromFile, 'mcp__fs__write_file').approvalReason).toBeUndefined();
  });

  it('calls a read-only tool; its input is checked against the tool schema first', async () => {
    const t = await open({ fs: { command: process.execPath, args: [FS_SERVER, dir] } });
    const read = byName(t, 'mcp__fs__read_text_file');
    expect(() => parseActionInput(read, { path: 42 })).toThrow(/ACTION_INPUT_INVALID|input\.path: must be string/);
    const out = (await read.run(parseActionInput(read, { path: join(dir, 'hello.txt') }), ctx())) as { text: string };
    expect(out.text).toBe('hello from a file\n');
  });

  it('a tool error is an MCP_TOOL failure', async () => {
    const t = await open({ fs: { command: process.execPath, args: [FS_SERVER, dir] } });
    const read = byName(t, 'mcp__fs__read_text_file');
    await expect(read.run({ path: '/etc/passwd' }, ctx())).rejects.toMatchObject({ code: 'MCP_TOOL', retryable: false });
  });

  it('Streamable HTTP: server-everything lists and answers', async () => {
    const http = await startEverythingHttp();
    try {
      const t = await open({ everything: { url: http.url } });
      const sum = byName(t, 'mcp__everything__get-sum');
      const out = (await sum.run(parseActionInput(sum, { a: 2, b: 40 }), ctx())) as { text: string };
      expect(out.text).toMatch(/42/);
      await t.close();
    } finally {
      await http.stop();
    }
  });

  it('a server killed mid-call fails the call with MCP_SERVER naming the server; the next call restarts it', async () => {
    const t = await open({ everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'] } });
    const slow = byName(t, 'mcp__everything__trigger-long-running-operation');
    const call = slow.run({ duration: 30, steps: 30 }, ctx());
    const pid = await waitFor(() => t.pool.pidOf('everything'));
    setTimeout(() => process.kill(pid, 'SIGKILL'), 300);
    const err: unknown = await call.then(() => undefined, (e: unknown) => e);
    expect(isMcpServerError(err)).toBe(true);
    expect((err as Error).message).toMatch(/MCP server 'everything' crashed during a call/);
    const echo = byName(t, 'mcp__everything__echo');
    expect(((await echo.run({ message: 'again' }, ctx())) as { text: string }).text).toMatch(/again/);
    expect(t.pool.pidOf('everything')).not.toBe(pid);
  });

  it('a server that cannot start fails with MCP_SERVER (start) naming it', async () => {
    const err: unknown = await mcpActions({ ghost: { command: join(dir, 'no-such-binary') } }, { workspace: dir }).then(() => undefined, (e: unknown) => e);
    expect(isMcpServerError(err)).toBe(true);
    expect((err as Error).message).toMatch(/MCP server 'ghost' failed to start/);
  });
});

async function waitFor<T>(f: () => T | undefined): Promise<T> {
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}
