/**
 * MCP through the real CLI with the reference filesystem server: a plan file declaring
 * `mcpServers` runs its tools; `replay --verify` and `show` still work once the server's binary is
 * gone (replay never starts it); a model-planned tool not annotated read-only waits for approval
 * while a read-only one runs, the planner's catalogue lists the tools with their schemas, and
 * `approve` in a later process runs the write from the recorded tool list.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { wireReply, wireStep } from '../planner/wire-fixtures.ts';
import { cli, dataOf, tempDir, threadEvents } from './helpers.ts';
import { cliInProcess } from './in-process.ts';
import { FS_SERVER } from '../actions/mcp/helpers.ts';

const tmp = tempDir('orchestral-mcp-cli-');
const files = join(tmp.dir, 'files');
const bin = join(tmp.dir, 'bin');
const server = join(bin, 'mcp-fs.js');
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
let llm: FakeOpenAIServer;
const o = (args: string[], env: Record<string, string> = {}) => cli(['--store', store, ...args], { cwd: tmp.dir, env });
/** As `o`, in this process (for the commands that only read: replay, show). */
const ip = (args: string[]) => cliInProcess(['--store', store, ...args], { cwd: tmp.dir });

beforeAll(async () => {
  llm = await startFakeOpenAIServer();
  mkdirSync(files);
  mkdirSync(bin);
  symlinkSync(FS_SERVER, server);
  writeFileSync(join(files, 'a.txt'), 'alpha\n');
  const decl = `mcpServers:\n  fs: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(server)}, ${JSON.stringify(files)}] }\n`;
  writeFileSync(
    join(tmp.dir, 'plan.yaml'),
    `title: mcp\n${decl}steps:\n  - { id: ls, action: mcp__fs__list_directory, input: { path: ${JSON.stringify(files)} } }\n  - { id: cat, action: mcp__fs__read_text_file, dependsOn: [ls], input: { path: ${JSON.stringify(join(files, 'a.txt'))} } }\n`,
  );
  writeFileSync(join(tmp.dir, 'mcp.json'), JSON.stringify({ mcpServers: { fs: { command: process.execPath, args: [server, files] } } }));
});
afterAll(async () => {
  await llm.close();
  tmp.cleanup();
});

describe('MCP through the CLI', () => {
  it('a plan file with mcpServers runs; a bad input is refused before the thread opens', { timeout: 120_000 }, async () => {
    const r = await o(['run', 'plan.yaml', '--thread', 'p', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const done = (await threadEvents(store, 'p')).filter((e) => e.type === 'StepCompleted').map(dataOf);
    expect(done.map((d) => d['stepId'])).toEqual(['ls', 'cat']);
    expect((done[1]!['output'] as { text: string }).text).toBe('alpha\n');
    writeFileSync(join(tmp.dir, 'bad.yaml'), readFileSync(join(tmp.dir, 'plan.yaml'), 'utf8').replace(`{ path: ${JSON.stringify(files)} }`, '{ path: 7 }'));
    const bad = await o(['run', 'bad.yaml', '--thread', 'bad']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/bad\.yaml:\d+:\d+: invalid plan: step 'ls' \(steps\[0\]\.input\.path\): must be string \(action mcp__fs__list_directory\)/);
  });

  it('a model-planned write waits for approval, a read runs; approve in a later process writes', { timeout: 120_000 }, async () => {
    llm.reply({
      content: wireReply({
        kind: 'mini_plan',
        plan: {
          title: 'write',
          steps: [wireStep('read', 'mcp__fs__read_text_file', { path: join(files, 'a.txt') }), wireStep('write', 'mcp__fs__write_file', { path: join(files, 'b.txt'), content: 'beta' })],
          maxConcurrency: null,
          failurePolicy: null,
          budget: null,
          requiresApproval: null,
          approvalTimeoutMs: null,
        },
      }),
    });
    const env = { OPENAI_API_KEY: 'sk-test-key-123456' };
    const r = await o(['run', '--intent', 'copy a to b', '--thread', 'm', '--mcp', 'mcp.json', '--model', 'gpt-4o-mini', '--base-url', llm.baseURL, '--no-prompt'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    const catalogue = JSON.stringify(llm.requests[0]!.body);
    expect(catalogue).toContain('mcp__fs__write_file');
    expect(catalogue).toContain('mcp__fs__read_text_file');
    const asked = (await threadEvents(store, 'm')).filter((e) => e.type === 'ApprovalRequested').map(dataOf);
    expect(asked.map((a) => a['stepId'])).toEqual(['write']);
    expect(JSON.stringify(asked[0])).toMatch(/not annotated read-only/);
    expect(() => readFileSync(join(files, 'b.txt'))).toThrow(/ENOENT/);
    llm.reply({ content: wireReply({ kind: 'done', answer: 'copied' }) });
    const a = await o(['approve', 'm', 'write'], env);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(readFileSync(join(files, 'b.txt'), 'utf8')).toBe('beta');
  });

  it('replay --verify and show work with the server binary gone', { timeout: 120_000 }, async () => {
    rmSync(server);
    for (const t of ['p', 'm']) {
      const r = await ip(['replay', t, '--verify']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const s = await ip(['show', t]);
      expect(s.code).toBe(0);
    }
    const again = await o(['run', 'plan.yaml', '--thread', 'gone']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^orchestral: MCP server 'fs' failed to start/);
  });
});
