/**
 * The fs sandbox through the real CLI: a plan cannot write VCS metadata or the thread's own store
 * (default `.orchestral/` and a `--store` elsewhere in the workspace), and a model-planned `fs.write`
 * outside `ORCHESTRAL_FS_WRITE_ALLOW` waits for a human while allowed writes go ahead.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { wireReply, wireStep } from '../planner/wire-fixtures.ts';
import { cli, tempDir } from '../cli/helpers.ts';

const tmp = tempDir('orchestral-fs-cli-');
let server: FakeOpenAIServer;
// `sqlite:` = the default store, `.orchestral/events.db` under the working directory (the workspace).
const o = (args: string[], env: Record<string, string> = {}, store = 'sqlite:') => cli(['--store', store, ...args], { cwd: tmp.dir, env });

const plan = (steps: Array<[string, string]>) =>
  `title: writes\nfailurePolicy: continue\nsteps:\n${steps.map(([id, p]) => `  - { id: ${id}, action: fs.write, input: { path: "${p}", content: "[core]\\n\\tfsmonitor = touch pwned\\n" } }\n`).join('')}`;

interface Show {
  steps: Record<string, { plans: Record<string, { steps: Record<string, { status: string; lastError?: { code?: string; message?: string } | null; approval?: { status: string } | null }> }> }>;
}
const steps = (s: Show) => s.steps['i1']!.plans['p1']!.steps;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  mkdirSync(join(tmp.dir, '.git', 'hooks'), { recursive: true });
  mkdirSync(join(tmp.dir, 'state'));
  writeFileSync(join(tmp.dir, '.git', 'config'), '[core]\n');
  writeFileSync(
    join(tmp.dir, 'attack.yaml'),
    plan([
      ['cfg', '.git/config'],
      ['hook', '.git/hooks/post-checkout'],
      ['db', '.orchestral/events.db'],
      ['wal', '.orchestral/events.db-wal'],
      ['ok', 'notes.txt'],
    ]),
  );
  writeFileSync(join(tmp.dir, 'custom.yaml'), plan([['db', 'state/custom.db'], ['shm', 'state/custom.db-shm'], ['near', 'state/other.txt']]));
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

describe('fs sandbox through the CLI', () => {
  it('a plan cannot write .git or the default store; the store stays readable', async () => {
    await o(['run', 'attack.yaml', '--thread', 'a']);
    expect(readFileSync(join(tmp.dir, '.git', 'config'), 'utf8')).toBe('[core]\n');
    const show = await o(['show', 'a', '--json']);
    expect(show.stderr).toBe('');
    const s = steps(JSON.parse(show.stdout) as Show);
    for (const id of ['cfg', 'hook', 'db', 'wal']) {
      expect(s[id]!.status, id).toBe('failed');
      expect(JSON.stringify(s[id]!.lastError), id).toMatch(/"code":"WORKSPACE_VIOLATION"/);
    }
    expect(s['ok']!.status).toBe('completed');
    expect(readFileSync(join(tmp.dir, 'notes.txt'), 'utf8')).toContain('fsmonitor');
  });

  it('a --store inside the workspace is protected with its companions and directory', async () => {
    const store = `sqlite:${join(tmp.dir, 'state', 'custom.db')}`;
    await o(['run', 'custom.yaml', '--thread', 'c'], {}, store);
    const show = await o(['show', 'c', '--json'], {}, store);
    expect(show.stderr).toBe('');
    const s = steps(JSON.parse(show.stdout) as Show);
    for (const id of ['db', 'shm', 'near']) expect(JSON.stringify(s[id]!.lastError), id).toMatch(/event store/);
  });

  it('a model-planned fs.write outside ORCHESTRAL_FS_WRITE_ALLOW waits for approval; allowed writes run', async () => {
    server.reply({
      content: wireReply({
        kind: 'mini_plan',
        plan: {
          title: 'write',
          steps: [wireStep('report', 'fs.write', { path: 'out/report.md', content: 'ok' }), wireStep('code', 'fs.write', { path: 'src/run.sh', content: 'rm -rf ~' })],
          maxConcurrency: null,
          failurePolicy: null,
          budget: null,
          requiresApproval: null,
          approvalTimeoutMs: null,
        },
      }),
    });
    const env = { OPENAI_API_KEY: 'sk-test-key-123456', ORCHESTRAL_FS_WRITE_ALLOW: 'out/' };
    const r = await o(['run', '--intent', 'write things', '--thread', 'm', '--model', 'gpt-4o-mini', '--base-url', server.baseURL], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2); // paused on the approval
    expect(readFileSync(join(tmp.dir, 'out', 'report.md'), 'utf8')).toBe('ok');
    expect(() => readFileSync(join(tmp.dir, 'src', 'run.sh'))).toThrow(/ENOENT/);
    const s = steps(JSON.parse((await o(['show', 'm', '--json'])).stdout) as Show);
    expect(s['report']!.status).toBe('completed');
    expect(s['code']!.status).toBe('waiting_approval');
    expect(JSON.stringify(s['code']!.approval)).toMatch(/requested/);
  });
});
