/**
 * A full disk, for real: the SQLite store lives on a small tmpfs that the test fills up.
 * - the adapter rejects the append with StoreWriteError `disk full writing <file>` and stores nothing;
 * - `orchestral run` whose step result cannot be appended exits 1 with one line naming the file and
 *   the cause (it used to exit 13 with nothing on stderr: the failure left a promise pending), and
 *   `resume` finishes the thread once space is freed, the lost step run again once.
 * Needs root and `mount -t tmpfs`; skipped with the reason otherwise.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { cli, dataOf, oneLineError, startCli, threadEvents } from './helpers.ts';

/** Mounts a tmpfs of `size` (e.g. '4m') on a new directory, or says why that is impossible here. */
function mountTmpfs(size: string): { dir: string; unmount(): void } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'not root: cannot mount a small tmpfs' };
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}` };
  }
  return {
    dir,
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // still busy: detach it now, freed when closed
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes zeros to `file` until the file system has no space left (ENOSPC). */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

const probe = mountTmpfs('1m');
const skipReason = 'reason' in probe ? probe.reason : undefined;
if (!('reason' in probe)) probe.unmount();

describe.skipIf(skipReason !== undefined)(`disk full on a tmpfs${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('the SQLite adapter rejects the append with STORE_WRITE disk_full naming the file; nothing stored; appends work once space is freed', async () => {
    const m = mountTmpfs('2m');
    if ('reason' in m) throw new Error(m.reason);
    const path = join(m.dir, 'events.db');
    let store: ReturnType<typeof getSqliteEventStore> | undefined;
    try {
      store = getSqliteEventStore({ path, codec: rawCodec });
      const event = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'Blob', data: { text: 'a'.repeat(200_000) } });
      await store.appendToStream('s', [event(1)]);
      fill(join(m.dir, 'filler'));
      const err = (await store.appendToStream('s', [event(2), event(3)]).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: string; reason?: string; location?: string; message: string };
      expect(err).toMatchObject({ code: 'STORE_WRITE', reason: 'disk_full', location: path });
      expect(err.message).toBe(`disk full writing ${path} (SQLITE_FULL); nothing of this append was stored`);
      unlinkSync(join(m.dir, 'filler'));
      expect(await store.streamRevision('s')).toBe(0n);
      await store.appendToStream('s', [event(2), event(3)], { expectedRevision: 0n });
      expect(await store.streamRevision('s')).toBe(2n);
    } finally {
      await store?.close().catch(() => undefined);
      m.unmount();
    }
  });

  it('run exits 1 with one line naming the store file and SQLITE_FULL; resume completes once space is freed', async () => {
    const m = mountTmpfs('4m');
    if ('reason' in m) throw new Error(m.reason);
    try {
      const storePath = join(m.dir, 'events.db');
      const store = `sqlite:${storePath}`;
      const plan = join(m.dir, 'plan.yaml');
      // the step outlives the fill and then prints 300 KB: its StepCompleted needs new pages on disk
      writeFileSync(plan, `title: fill\nsteps:\n  - id: slow\n    action: shell.exec\n    input: { argv: ["sh", "-c", "sleep 3; head -c 300000 /dev/zero | tr '\\\\0' a"] }\n`);
      const run = startCli(['--store', store, 'run', plan, '--thread', 't', '--workspace', m.dir]);
      for (let i = 0; i < 400; i++) {
        const events = await threadEvents(store, 't').catch(() => []);
        if (events.some((e) => e.type === 'StepStarted')) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      fill(join(m.dir, 'filler'));
      const r = await run.done;
      expect(r.code).toBe(1);
      const line = oneLineError(r);
      expect(line).toMatch(new RegExp(`^orchestral: thread 't' stopped: disk full writing ${storePath.replace(/[.]/g, '\\.')} \\(SQLITE_FULL\\)`));

      unlinkSync(join(m.dir, 'filler'));
      const before = await threadEvents(store, 't');
      expect(before.some((e) => e.type === 'StepCompleted')).toBe(false);
      const resumed = await cli(['--store', store, 'resume', 't']);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(/✓ completed/);
      const after = await threadEvents(store, 't');
      expect(after.slice(0, before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
      const completed = after.filter((e) => e.type === 'StepCompleted');
      expect(completed).toHaveLength(1);
      expect(dataOf(completed[0]!)['attempt']).toBe(1); // the lost attempt ran again under its key
    } finally {
      m.unmount();
    }
  });
});
