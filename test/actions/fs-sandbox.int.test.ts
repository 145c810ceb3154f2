/**
 * The workspace sandbox of the fs actions: protected paths (VCS metadata, the store), symlinks at
 * any component, non-regular files (FIFO, socket), hard links.
 */
import { execFileSync } from 'node:child_process';
import { link, mkdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { fsListAction } from '../../src/actions/builtin/fs-list.ts';
import { fsReadAction } from '../../src/actions/builtin/fs-read.ts';
import { fsWriteAction } from '../../src/actions/builtin/fs-write.ts';
import { sqliteStoreFiles } from '../../src/actions/builtin/protected-paths.ts';
import { isActionInputError, isWorkspaceViolationError } from '../../src/actions/errors.ts';
import { failure, makeCtx, runAction, tempDir } from './helpers.ts';

let base: { dir: string; cleanup: () => Promise<void> };
let ws: string;
let outside: string;
let sock: net.Server;
let sandbox: { protectedPaths: string[] };
let read: Action;
let write: Action;
let list: Action;

beforeAll(async () => {
  base = await tempDir('orch-sandbox-');
  ws = path.join(base.dir, 'ws');
  outside = path.join(base.dir, 'outside');
  await mkdir(path.join(ws, '.git', 'hooks'), { recursive: true });
  await mkdir(path.join(ws, 'vendor', 'lib', '.git'), { recursive: true });
  await mkdir(path.join(ws, '.orchestral'), { recursive: true });
  await mkdir(path.join(ws, 'state'), { recursive: true });
  await mkdir(path.join(ws, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(ws, '.git', 'config'), '[core]\n');
  await writeFile(path.join(ws, '.orchestral', 'events.db'), 'SQLite format 3');
  await writeFile(path.join(ws, 'state', 'store.db'), 'SQLite format 3');
  await writeFile(path.join(ws, 'state', 'notes.txt'), 'notes');
  await writeFile(path.join(ws, 'hello.txt'), 'hello');
  await writeFile(path.join(ws, 'sub', 'a.txt'), 'A');
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await symlink(path.join(ws, 'hello.txt'), path.join(ws, 'link-in.txt'));
  await symlink('sub', path.join(ws, 'sub-link'));
  execFileSync('mkfifo', [path.join(ws, 'pipe')]);
  sock = net.createServer();
  await new Promise<void>((resolve) => sock.listen(path.join(ws, 'sock'), resolve));
  sandbox = { protectedPaths: sqliteStoreFiles(path.join(ws, 'state', 'store.db'), ws) };
  read = fsReadAction(sandbox) as unknown as Action;
  write = fsWriteAction(sandbox) as unknown as Action;
  list = fsListAction(sandbox) as unknown as Action;
});
afterAll(async () => {
  await new Promise((resolve) => sock.close(resolve));
  await base.cleanup();
});

const ctx = () => makeCtx(ws);

describe('protected paths', () => {
  it.each([
    ['.git/config', /'.git' is protected/],
    ['.git/hooks/pre-commit', /'.git' is protected/],
    ['.git', /'.git' is protected/],
    ['./sub/../.git/config', /'.git' is protected/],
    ['.GIT/config', /'.GIT' is protected/],
    ['vendor/lib/.git/config', /'.git' is protected/],
    ['.hg/hgrc', /'.hg' is protected/],
    ['.svn/entries', /'.svn' is protected/],
    ['.orchestral/events.db', /'.orchestral' is protected/],
    ['.orchestral/events.db-wal', /'.orchestral' is protected/],
    ['state/store.db', /Orchestral's event store/],
    ['state/store.db-wal', /Orchestral's event store/],
    ['state/store.db-shm', /Orchestral's event store/],
    ['state/notes.txt', /Orchestral's event store/],
  ])('fs.write, fs.read and fs.list refuse %j', async (p, why) => {
    for (const [action, input] of [
      [write, { path: p, content: '[core]\n\tfsmonitor = "touch /tmp/pwned"\n' }],
      [read, { path: p }],
      [list, { path: p }],
    ] as const) {
      const err = await failure(runAction(action, input, ctx()));
      expect(isWorkspaceViolationError(err), `${action.name} ${p}: ${err.message}`).toBe(true);
      expect(err.message).toMatch(why);
      expect(err.message).toContain(`${action.name}: path '${p}' refused`);
    }
    expect(await readFile(path.join(ws, '.git', 'config'), 'utf8')).toBe('[core]\n');
    expect(await readFile(path.join(ws, '.orchestral', 'events.db'), 'utf8')).toBe('SQLite format 3');
    expect(await readFile(path.join(ws, 'state', 'store.db'), 'utf8')).toBe('SQLite format 3');
  });

  it('creates nothing under a protected directory', async () => {
    await failure(runAction(write, { path: '.git/hooks/new/pre-push', content: 'x' }, ctx()));
    await expect(stat(path.join(ws, '.git', 'hooks', 'new'))).rejects.toThrow(/ENOENT/);
    await failure(runAction(write, { path: '.hg/hgrc', content: 'x' }, ctx()));
    await expect(stat(path.join(ws, '.hg'))).rejects.toThrow(/ENOENT/);
  });

  it('leaves protected entries out of listings', async () => {
    const all = (await runAction(list, { recursive: true }, ctx())) as { entries: { path: string }[] };
    const paths = all.entries.map((e) => e.path);
    expect(paths).toContain('hello.txt');
    expect(paths).toContain('vendor/lib');
    expect(paths.filter((p) => p.includes('.git') || p.includes('.orchestral') || p.startsWith('state'))).toEqual([]);
  });

  it('sqliteStoreFiles protects the directory unless it is (or contains) the workspace', () => {
    expect(sqliteStoreFiles('/w/.orchestral/events.db', '/w')).toEqual([
      '/w/.orchestral/events.db',
      '/w/.orchestral/events.db-wal',
      '/w/.orchestral/events.db-shm',
      '/w/.orchestral/events.db-journal',
      '/w/.orchestral',
    ]);
    expect(sqliteStoreFiles('/w/events.db', '/w')).toHaveLength(4);
    expect(sqliteStoreFiles('/events.db', '/w')).toHaveLength(4);
  });
});

describe('symlinks are never followed', () => {
  it('refuses a symlink as the last component or as a parent, even when it points inside', async () => {
    for (const [action, input] of [
      [read, { path: 'link-in.txt' }],
      [read, { path: 'sub-link/a.txt' }],
      [write, { path: 'link-in.txt', content: 'x' }],
      [write, { path: 'sub-link/new.txt', content: 'x' }],
      [list, { path: 'sub-link' }],
    ] as const) {
      const err = await failure(runAction(action, input, ctx()));
      expect(isWorkspaceViolationError(err), err.message).toBe(true);
      expect(err.message).toMatch(/is a symlink \(fs actions never follow symlinks\)/);
    }
    expect(await readFile(path.join(ws, 'hello.txt'), 'utf8')).toBe('hello');
  });

  it('refuses a parent directory swapped for a symlink to outside', async () => {
    await mkdir(path.join(ws, 'swap'));
    await rename(path.join(ws, 'swap'), path.join(ws, 'swap.away'));
    await symlink(outside, path.join(ws, 'swap'));
    const err = await failure(runAction(read, { path: 'swap/secret.txt' }, ctx()));
    expect(err.message).toMatch(/'swap' is a symlink/);
    expect((await failure(runAction(write, { path: 'swap/x.txt', content: 'x' }, ctx()))).message).toMatch(/'swap' is a symlink/);
    await expect(stat(path.join(outside, 'x.txt'))).rejects.toThrow(/ENOENT/);
  });
});

describe('non-regular files', () => {
  it.each([['pipe', 'a FIFO'], ['sock', 'a socket']])('refuses %s without blocking (read and write)', async (name, what) => {
    for (const [action, input] of [
      [read, { path: name }],
      [write, { path: name, content: 'x' }],
      [write, { path: name, content: 'x', mode: 'append' }],
    ] as const) {
      const err = await failure(runAction(action, input, ctx()));
      expect(isActionInputError(err), err.message).toBe(true);
      expect(err.message).toMatch(new RegExp(`'${name}' is not a regular file( \\(it is ${what}\\))?`));
    }
  });

  it('refuses to write a file with several hard links (one may lie outside)', async () => {
    await link(path.join(outside, 'secret.txt'), path.join(ws, 'hard.txt'));
    const err = await failure(runAction(write, { path: 'hard.txt', content: 'pwned' }, ctx()));
    expect(isWorkspaceViolationError(err)).toBe(true);
    expect(err.message).toMatch(/has 2 hard links/);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });
});
