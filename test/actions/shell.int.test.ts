import { mkdir, readFile, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { shellExecAction } from '../../src/actions/builtin/shell-exec.ts';
import {
  isActionAbortedError,
  isActionInputError,
  isActionLimitError,
  isActionTimeoutError,
  isRetryableError,
  isWorkspaceViolationError,
} from '../../src/actions/errors.ts';
import { failure, makeCtx, runAction, tempDir } from './helpers.ts';

const node = process.execPath;
const shell = shellExecAction({ maxOutputBytes: 1000, timeoutMs: 10_000 }) as unknown as Action;
let tmp: { dir: string; cleanup: () => Promise<void> };
let ws: string;

beforeAll(async () => {
  tmp = await tempDir();
  ws = path.join(tmp.dir, 'ws');
  await mkdir(path.join(ws, 'sub'), { recursive: true });
  await symlink(tmp.dir, path.join(ws, 'up'));
});
afterAll(() => tmp.cleanup());

type Out = { exitCode: number | null; signal: string | null; stdout: string; stderr: string; truncated: boolean };
const run = (input: Record<string, unknown>, signal?: AbortSignal) => runAction(shell, input, makeCtx(ws, signal)) as Promise<Out>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
  return !alive(pid);
}

describe('shell.exec', () => {
  it('requires approval by default', () => {
    expect(shell.requiresApproval).toBe(true);
  });

  it('runs argv without a shell: metacharacters reach the program verbatim', async () => {
    const out = await run({ argv: [node, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', 'a; rm -rf x', '$(whoami)', '*'] });
    expect(JSON.parse(out.stdout)).toEqual(['a; rm -rf x', '$(whoami)', '*']);
    expect(out).toMatchObject({ exitCode: 0, signal: null, stderr: '', truncated: false });
  });

  it('runs in a cwd inside the workspace, passes stdin and env, and keeps the parent environment out', async () => {
    process.env.ORCH_TEST_SECRET = 'leak';
    try {
      const out = await run({
        argv: [node, '-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.cwd(), s, process.env.FOO, process.env.ORCH_TEST_SECRET))'],
        cwd: 'sub',
        stdin: 'piped',
        env: { FOO: 'bar' },
      });
      expect(out.stdout.trim()).toBe(`${path.join(await realpath(ws), 'sub')} piped bar undefined`);
    } finally {
      delete process.env.ORCH_TEST_SECRET;
    }
  });

  it('a non-zero exit is a retryable error with the stderr tail, unless allowNonZeroExit', async () => {
    const argv = [node, '-e', 'console.error("went wrong"); process.exit(3)'];
    const err = await failure(run({ argv }));
    expect(err.message).toMatch(/exited with code 3: went wrong/);
    expect(isRetryableError(err)).toBe(true);
    expect(await run({ argv, allowNonZeroExit: true })).toMatchObject({ exitCode: 3, stderr: 'went wrong\n' });
  });

  it('fails with ACTION_LIMIT_EXCEEDED and kills the process when output passes the cap', async () => {
    const err = await failure(run({ argv: [node, '-e', 'setInterval(()=>process.stdout.write("x".repeat(400)),1)'] }));
    expect(isActionLimitError(err)).toBe(true);
    expect(err.message).toBe('shell.exec: stdout exceeded the 1000-byte output cap');
  });

  it('truncates instead when truncateOutput is set', async () => {
    const out = await run({ argv: [node, '-e', 'process.stderr.write("e".repeat(3000))'], truncateOutput: true, maxOutputBytes: 100 });
    expect(out.stderr).toBe('e'.repeat(100));
    expect(out.truncated).toBe(true);
  });

  it('times out with ACTION_TIMEOUT (retryable) and kills the process', async () => {
    const err = await failure(run({ argv: [node, '-e', 'setInterval(()=>{},1000)'], timeoutMs: 300 }));
    expect(isActionTimeoutError(err)).toBe(true);
    expect(isRetryableError(err)).toBe(true);
    expect(err.message).toBe('shell.exec: timed out after 300 ms');
  });

  it('kills the process (and its children) promptly on abort', async () => {
    const pidFile = path.join(ws, 'sub', 'pids.txt');
    const script = `const fs=require("fs");const c=require("child_process").spawn(process.execPath,["-e","setInterval(()=>{},1000)"],{stdio:"ignore"});fs.writeFileSync(${JSON.stringify(pidFile)},process.pid+" "+c.pid);setInterval(()=>{},1000)`;
    const ac = new AbortController();
    const p = run({ argv: [node, '-e', script] }, ac.signal);
    let pids: number[] = [];
    for (let i = 0; i < 500 && pids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      pids = (await readFile(pidFile, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number);
    }
    expect(pids).toHaveLength(2);
    ac.abort(new Error('user cancelled'));
    const err = await failure(p);
    expect(isActionAbortedError(err)).toBe(true);
    expect(err.message).toBe('shell.exec: aborted: user cancelled');
    for (const pid of pids) expect(await waitDead(pid)).toBe(true);
  });

  it.each([
    [{ argv: [] }, isActionInputError, /input.argv/],
    [{ argv: 'ls -la' }, isActionInputError, /input.argv/],
    [{ argv: ['ls', 'a\0b'] }, isActionInputError, /NUL/],
    [{ argv: ['definitely-not-a-program-xyz'] }, isActionInputError, /program 'definitely-not-a-program-xyz' not found/],
    [{ argv: ['ls'], cwd: '..' }, isWorkspaceViolationError, /escapes the workspace root/],
    [{ argv: ['ls'], cwd: '/tmp' }, isWorkspaceViolationError, /absolute paths/],
    [{ argv: ['ls'], cwd: 'up' }, isWorkspaceViolationError, /outside the workspace root/],
    [{ argv: ['ls'], cwd: 'missing' }, isActionInputError, /'missing' is not a directory/],
    [{ argv: ['ls'], env: { 'BAD-NAME': 'x' } }, isActionInputError, /input.env/],
    [{ argv: ['ls'], timeoutMs: -5 }, isActionInputError, /input.timeoutMs/],
    [{ argv: ['ls'], shell: true }, isActionInputError, /Unrecognized key/],
  ])('refuses bad input %j', async (input, guard, why) => {
    const err = await failure(run(input as Record<string, unknown>));
    expect(guard(err)).toBe(true);
    expect(err.message).toMatch(why);
  });
});
