import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { fsListAction } from '../../src/actions/builtin/fs-list.ts';
import { fsReadAction } from '../../src/actions/builtin/fs-read.ts';
import { fsWriteAction } from '../../src/actions/builtin/fs-write.ts';
import { resolveInWorkspace } from '../../src/actions/builtin/workspace.ts';
import { isActionInputError, isActionLimitError, isWorkspaceViolationError } from '../../src/actions/errors.ts';
import { failure, makeCtx, runAction, tempDir } from './helpers.ts';

const read = fsReadAction({ maxReadBytes: 100 }) as unknown as Action;
const write = fsWriteAction({ maxWriteBytes: 100 }) as unknown as Action;
const list = fsListAction({ maxListEntries: 50 }) as unknown as Action;

let base: { dir: string; cleanup: () => Promise<void> };
let ws: string; // workspace root
let outside: string; // a sibling directory outside the workspace

beforeAll(async () => {
  base = await tempDir();
  ws = path.join(base.dir, 'ws');
  outside = path.join(base.dir, 'outside');
  await mkdir(path.join(ws, 'sub', 'deep'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(ws, 'hello.txt'), 'hello world');
  await writeFile(path.join(ws, 'sub', 'a.txt'), 'A');
  await writeFile(path.join(ws, 'big.txt'), 'x'.repeat(101));
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await symlink(path.join(outside, 'secret.txt'), path.join(ws, 'link-out.txt'));
  await symlink(outside, path.join(ws, 'dir-out'));
  await symlink(path.join(outside, 'not-yet.txt'), path.join(ws, 'dangling-out.txt'));
  await symlink(path.join(ws, 'hello.txt'), path.join(ws, 'link-in.txt'));
  await symlink('sub', path.join(ws, 'sub-link'));
});
afterAll(() => base.cleanup());

const ctx = () => makeCtx(ws);

describe('workspace confinement (resolveInWorkspace)', () => {
  it('accepts paths inside, including `..` that stays inside and symlinks within', async () => {
    expect((await resolveInWorkspace('t', ws, 'sub/../hello.txt')).relative).toBe('hello.txt');
    expect((await resolveInWorkspace('t', ws, '.')).relative).toBe('.');
    expect((await resolveInWorkspace('t', ws, 'link-in.txt')).relative).toBe('hello.txt');
    const missing = await resolveInWorkspace('t', ws, 'new/dir/file.txt');
    expect(missing).toMatchObject({ relative: 'new/dir/file.txt', exists: false });
  });

  it.each([
    ['../outside/secret.txt', /escapes the workspace root/],
    ['sub/../../outside', /escapes the workspace root/],
    ['..', /escapes the workspace root/],
    ['/etc/passwd', /absolute paths are not allowed/],
    ['C:\\Windows', /absolute paths are not allowed/],
    ['', /empty path/],
    ['a\0b', /NUL/],
    ['link-out.txt', /outside the workspace root/],
    ['dir-out/secret.txt', /outside the workspace root/],
    ['dir-out/new.txt', /outside the workspace root/],
    ['dangling-out.txt', /symlink that cannot be resolved/],
  ])('refuses %j', async (p, why) => {
    const err = await failure(resolveInWorkspace('fs.read', ws, p));
    expect(isWorkspaceViolationError(err)).toBe(true);
    expect(err.message).toMatch(why);
    expect(err.message).toContain(`fs.read: path '${p}' refused`);
  });

  it('refuses when the workspace root does not exist', async () => {
    const err = await failure(resolveInWorkspace('fs.list', path.join(base.dir, 'nope'), '.'));
    expect(err.message).toMatch(/workspace root .* is not accessible/);
  });
});

describe('fs.read', () => {
  it('reads utf8 and base64', async () => {
    expect(await runAction(read, { path: 'hello.txt' }, ctx())).toEqual({ path: 'hello.txt', content: 'hello world', bytes: 11, encoding: 'utf8' });
    const b = (await runAction(read, { path: 'sub/a.txt', encoding: 'base64' }, ctx())) as { content: string };
    expect(Buffer.from(b.content, 'base64').toString()).toBe('A');
  });

  it('refuses escapes through every route', async () => {
    for (const p of ['../outside/secret.txt', path.join(outside, 'secret.txt'), 'link-out.txt', 'dir-out/secret.txt']) {
      expect(isWorkspaceViolationError(await failure(runAction(read, { path: p }, ctx())))).toBe(true);
    }
  });

  it('caps the size (configured cap and a lower per-call maxBytes)', async () => {
    const err = await failure(runAction(read, { path: 'big.txt' }, ctx()));
    expect(isActionLimitError(err)).toBe(true);
    expect(err.message).toBe("fs.read: 'big.txt' is 101 bytes, over the 100-byte read cap");
    expect(isActionLimitError(await failure(runAction(read, { path: 'hello.txt', maxBytes: 5 }, ctx())))).toBe(true);
  });

  it.each([
    [{ path: 'missing.txt' }, /'missing.txt' does not exist/],
    [{ path: 'sub' }, /'sub' is not a regular file/],
    [{ path: '' }, /input.path/],
    [{}, /input.path/],
    [{ path: 'hello.txt', encoding: 'latin1' }, /input.encoding/],
    [{ path: 'hello.txt', maxBytes: 0 }, /input.maxBytes/],
    [{ path: 'hello.txt', extra: 1 }, /Unrecognized key/],
  ])('refuses bad input %j', async (input, why) => {
    const err = await failure(runAction(read, input, ctx()));
    expect(isActionInputError(err)).toBe(true);
    expect(err.message).toMatch(why);
  });
});

describe('fs.write', () => {
  it('overwrites, appends, creates parent dirs, and returns the relative path', async () => {
    expect(await runAction(write, { path: 'out/x/y.txt', content: 'one' }, ctx())).toEqual({ path: 'out/x/y.txt', bytes: 3 });
    await runAction(write, { path: 'out/x/y.txt', content: '+two', mode: 'append' }, ctx());
    expect(await readFile(path.join(ws, 'out/x/y.txt'), 'utf8')).toBe('one+two');
    await runAction(write, { path: 'out/x/y.txt', content: Buffer.from('bin').toString('base64'), encoding: 'base64' }, ctx());
    expect(await readFile(path.join(ws, 'out/x/y.txt'), 'utf8')).toBe('bin');
  });

  it('refuses escapes, including writing through a symlink (existing, dangling, or a symlinked directory)', async () => {
    for (const p of ['../outside/evil.txt', path.join(outside, 'evil.txt'), 'link-out.txt', 'dangling-out.txt', 'dir-out/evil.txt']) {
      const err = await failure(runAction(write, { path: p, content: 'x' }, ctx()));
      expect(isWorkspaceViolationError(err), p).toBe(true);
    }
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    await expect(readFile(path.join(outside, 'not-yet.txt'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(path.join(outside, 'evil.txt'))).rejects.toThrow(/ENOENT/);
  });

  it.each([
    [{ path: 'hello.txt', content: 'x', mode: 'create' }, /'hello.txt' exists \(mode "create"\)/],
    [{ path: 'sub', content: 'x' }, /'sub' is a directory/],
    [{ path: '.', content: 'x' }, /workspace root, not a file/],
    [{ path: 'nodir/f.txt', content: 'x', createDirs: false }, /directory 'nodir' does not exist/],
    [{ path: 'f.txt' }, /input.content/],
    [{ path: 'f.txt', content: 1 }, /input.content/],
    [{ path: 'f.txt', content: 'x', mode: 'truncate' }, /input.mode/],
  ])('refuses bad input %j', async (input, why) => {
    const err = await failure(runAction(write, input, ctx()));
    expect(isActionInputError(err)).toBe(true);
    expect(err.message).toMatch(why);
  });

  it('caps the content size', async () => {
    const err = await failure(runAction(write, { path: 'f.txt', content: 'é'.repeat(51) }, ctx()));
    expect(isActionLimitError(err)).toBe(true);
    expect(err.message).toBe('fs.write: content is 102 bytes, over the 100-byte write cap');
  });
});

describe('fs.list', () => {
  it('lists sorted entries; recursive walks directories but never follows symlinks', async () => {
    const top = (await runAction(list, { path: 'sub' }, ctx())) as { entries: { path: string; type: string }[] };
    expect(top.entries.map((e) => [e.path, e.type])).toEqual([['sub/a.txt', 'file'], ['sub/deep', 'directory']]);
    const all = (await runAction(list, { recursive: true }, ctx())) as { path: string; entries: { path: string; type: string }[] };
    expect(all.path).toBe('.');
    const byPath = Object.fromEntries(all.entries.map((e) => [e.path, e.type]));
    expect(byPath['dir-out']).toBe('symlink');
    expect(byPath['sub-link']).toBe('symlink');
    expect(byPath['sub/deep']).toBe('directory');
    expect(all.entries.some((e) => e.path.startsWith('dir-out/'))).toBe(false);
  });

  it('truncates at maxEntries', async () => {
    const r = (await runAction(list, { path: '.', recursive: true, maxEntries: 3 }, ctx())) as { entries: unknown[]; truncated: boolean };
    expect(r.entries).toHaveLength(3);
    expect(r.truncated).toBe(true);
    const s = (await runAction(list, { path: 'sub/deep' }, ctx())) as { entries: unknown[]; truncated: boolean };
    expect(s).toMatchObject({ entries: [], truncated: false });
  });

  it('refuses escapes and bad input', async () => {
    for (const p of ['..', '/', 'dir-out']) {
      expect(isWorkspaceViolationError(await failure(runAction(list, { path: p }, ctx()))), p).toBe(true);
    }
    expect((await failure(runAction(list, { path: 'hello.txt' }, ctx()))).message).toMatch(/'hello.txt' is not a directory/);
    expect((await failure(runAction(list, { path: 'nope' }, ctx()))).message).toMatch(/'nope' does not exist/);
    expect((await failure(runAction(list, { recursive: 'yes' }, ctx()))).message).toMatch(/input.recursive/);
  });
});
