/**
 * Symlink races against the fs sandbox: a separate process keeps swapping a parent directory and a
 * file of the workspace for symlinks to outside, while fs.read / fs.write / fs.list run over and
 * over. Any content read from outside, file written outside, or outside entry listed is an escape.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { fsListAction } from '../../src/actions/builtin/fs-list.ts';
import { fsReadAction } from '../../src/actions/builtin/fs-read.ts';
import { fsWriteAction } from '../../src/actions/builtin/fs-write.ts';
import { makeCtx, runAction, tempDir } from './helpers.ts';

const TRIES = 1000;

// The swapper: flips ws/d between a real directory and a symlink to outside/, and ws/f between a
// regular file and a symlink to outside/secret.txt, until stdin closes (or 60 s pass).
const SWAPPER = `
const fs = require('node:fs');
const path = require('node:path');
const [ws, outside] = process.argv.slice(1);
const at = (n) => path.join(ws, n);
const quiet = (fn) => { try { fn(); } catch {} };
let stop = false;
process.stdin.on('end', () => { stop = true; });
process.stdin.resume();
setTimeout(() => { stop = true; }, 60000).unref();
process.stdout.write('ready\\n');
// Each state is held for a few syscalls so both are reached about as often; the flips in between
// are the races.
const hold = () => { for (let k = 0; k < 20; k++) quiet(() => fs.lstatSync(ws)); };
const loop = () => {
  for (let i = 0; i < 200 && !stop; i++) {
    // inside: d a real directory, f a regular file
    hold();
    // outside: d and f symlinks to outside/
    quiet(() => fs.renameSync(at('d'), at('d.away')));
    quiet(() => fs.rmSync(at('d'), { recursive: true, force: true }));
    quiet(() => fs.symlinkSync(outside, at('d')));
    quiet(() => fs.symlinkSync(path.join(outside, 'secret.txt'), at('f.lnk')));
    quiet(() => fs.renameSync(at('f.lnk'), at('f')));
    hold();
    quiet(() => fs.unlinkSync(at('d')));
    quiet(() => fs.renameSync(at('d.away'), at('d')));
    quiet(() => fs.writeFileSync(at('f.new'), 'inside'));
    quiet(() => fs.renameSync(at('f.new'), at('f')));
  }
  if (stop) process.exit(0);
  setImmediate(loop);
};
loop();
`;

let base: { dir: string; cleanup: () => Promise<void> };
let ws: string;
let outside: string;
let swapper: ChildProcess;

beforeAll(async () => {
  base = await tempDir('orch-race-');
  ws = path.join(base.dir, 'ws');
  outside = path.join(base.dir, 'outside');
  await mkdir(path.join(ws, 'd'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(ws, 'd', 'secret.txt'), 'inside');
  await writeFile(path.join(ws, 'f'), 'inside');
  await writeFile(path.join(outside, 'secret.txt'), 'SECRET');
  await writeFile(path.join(outside, 'outside-only.txt'), '');
  swapper = spawn(process.execPath, ['-e', SWAPPER, ws, outside], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    swapper.stdout!.once('data', () => resolve());
    swapper.once('exit', (code) => reject(new Error(`swapper exited early (${code})`)));
  });
});
afterAll(async () => {
  if (swapper.exitCode === null) {
    const exited = new Promise((resolve) => swapper.once('exit', resolve));
    swapper.stdin!.end();
    await exited;
  }
  await base.cleanup();
});

interface Tally {
  ok: number;
  refused: number;
  escapes: number;
}

/**
 * Runs `run` at least TRIES times, and on (up to 10×TRIES) until both outcomes were seen 20 times, so
 * each test reaches both the "inside" and the "swapped" state however the two processes interleave.
 */
async function tally(run: (i: number) => Promise<'ok' | 'escape'>, needRefusals = true): Promise<Tally> {
  const t: Tally = { ok: 0, refused: 0, escapes: 0 };
  const covered = () => t.ok >= 20 && (!needRefusals || t.refused >= 20);
  for (let i = 0; i < TRIES || (!covered() && i < 10 * TRIES); i++) {
    try {
      if ((await run(i)) === 'escape') t.escapes += 1;
      else t.ok += 1;
    } catch {
      t.refused += 1;
    }
  }
  return t;
}

describe(`symlink races (${TRIES} tries each, a process swapping files and directories for symlinks)`, { timeout: 60_000 }, () => {
  const ctx = () => makeCtx(ws);

  it.each([
    ['fs.read of d/secret.txt (parent swapped)', 'd/secret.txt'],
    ['fs.read of f (file swapped)', 'f'],
  ])('%s never reads outside', async (label, p) => {
    const read = fsReadAction() as unknown as Action;
    const t = await tally(async () => ((await runAction(read, { path: p }, ctx())) as { content: string }).content === 'SECRET' ? 'escape' : 'ok');
    console.log(`${label}: ${JSON.stringify(t)}`);
    expect(t.escapes).toBe(0);
    expect(t.ok).toBeGreaterThan(0); // the race reached both states (see tally)
    expect(t.refused).toBeGreaterThan(0);
  });

  it('fs.list (recursive) never lists outside entries', async () => {
    const list = fsListAction() as unknown as Action;
    const t = await tally(async () => {
      const r = (await runAction(list, { path: '.', recursive: true }, ctx())) as { entries: { path: string }[] };
      return r.entries.some((e) => e.path.endsWith('outside-only.txt')) ? 'escape' : 'ok';
    }, false);
    console.log(`fs.list recursive: ${JSON.stringify(t)}`);
    expect(t.escapes).toBe(0);
    expect(t.ok).toBeGreaterThan(0);
  });

  it.each([
    ['fs.write of d/w-N.txt (parent swapped)', 'dir'],
    ['fs.write of f (file swapped)', 'file'],
  ])('%s never writes outside', async (label, kind) => {
    const write = fsWriteAction() as unknown as Action;
    let escapes = 0;
    const t = await tally(async (i) => {
      await runAction(write, { path: kind === 'dir' ? `d/w-${i}.txt` : 'f', content: `w${i}`, createDirs: kind === 'dir' && i % 2 === 0 }, ctx());
      return 'ok';
    });
    // Count what reached outside/ after the fact: new files there, or the secret changed.
    escapes += (await readdir(outside)).filter((n) => n !== 'secret.txt' && n !== 'outside-only.txt').length;
    if ((await readFile(path.join(outside, 'secret.txt'), 'utf8')) !== 'SECRET') escapes += 1;
    console.log(`${label}: ${JSON.stringify({ ...t, escapes })}`);
    expect(escapes).toBe(0);
    expect(t.ok).toBeGreaterThan(0);
    expect(t.refused).toBeGreaterThan(0);
  });
});
